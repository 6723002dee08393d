"""Status changes through the service: the table, step times, SLA, audit, and no partial change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services.sla import SlaHours
from bot.services.tickets import TicketService
from storage.db import SessionFactory
from storage.errors import InvalidTransition, TicketNotFound
from storage.lifecycle import TicketStatus
from storage.models import Priority
from tests.conftest import FakeClock
from tests.services.conftest import AGENT, BUYER, audit_rows, force_status
from tests.storage.test_lifecycle import ALLOWED, EVERY_PAIR

pytestmark = pytest.mark.usefixtures("known")
S = TicketStatus


@pytest.mark.parametrize(("current", "new"), EVERY_PAIR, ids=lambda s: s.value)
async def test_change_status_follows_the_table(
    tickets: TicketService, sessions: SessionFactory, clock: FakeClock, current: S, new: S
) -> None:
    filed = await tickets.file_ticket(BUYER, category="delivery", description="lost")
    await force_status(sessions, filed.number, current)
    before = await tickets.get(filed.number)
    clock.advance(hours=1)

    if (current, new) in ALLOWED:
        changed = await tickets.change_status(filed.number, new, AGENT, note="why")
        assert changed.status is new
        assert changed.updated_at == clock.now
        assert await tickets.get(filed.number) == changed
        entry = (await audit_rows(sessions, filed.id))[-1]
        assert (entry.action, entry.actor_id, entry.before, entry.after, entry.note) == (
            "status",
            AGENT,
            {"status": current.value},
            {"status": new.value},
            "why",
        )
    else:
        with pytest.raises(InvalidTransition):
            await tickets.change_status(filed.number, new, AGENT, note="why")
        assert await tickets.get(filed.number) == before
        assert [row.action for row in await audit_rows(sessions, filed.id)] == ["filed"]


async def test_each_step_records_its_time(tickets: TicketService, clock: FakeClock) -> None:
    ticket = await tickets.file_ticket(BUYER, category="delivery", description="lost")
    times = {}
    for status in (S.ACCEPTED, S.INVESTIGATING, S.WAITING_FOR_BUYER, S.INVESTIGATING):
        times[status] = clock.advance(hours=2)
        await tickets.change_status(ticket.number, status, AGENT)
    started = await tickets.get(ticket.number)
    for status in (S.RESOLVED, S.CLOSED):
        times[status] = clock.advance(hours=2)
        await tickets.change_status(ticket.number, status, AGENT)
    done = await tickets.get(ticket.number)

    assert done.accepted_at == times[S.ACCEPTED]
    assert done.info_requested_at == times[S.WAITING_FOR_BUYER]
    # Resuming after the buyer's answer keeps the time the investigation started.
    assert started.investigation_started_at == ticket.filed_at + timedelta(hours=4)
    assert done.investigation_started_at == started.investigation_started_at
    assert done.resolved_at == times[S.RESOLVED]
    assert done.closed_at == times[S.CLOSED]


async def test_reopen_restarts_the_sla_and_escalation_halves_it(
    tickets: TicketService, sessions: SessionFactory, clock: FakeClock
) -> None:
    ticket = await tickets.file_ticket(BUYER, category="delivery", description="lost")
    await force_status(sessions, ticket.number, S.CLOSED)
    reopened_at = clock.advance(days=3)
    reopened = await tickets.change_status(ticket.number, S.REOPENED, BUYER)
    await force_status(sessions, ticket.number, S.RESOLVED)
    escalated_at = clock.advance(days=2)
    escalated = await tickets.change_status(ticket.number, S.ESCALATED, BUYER)

    assert reopened.reopened_at == reopened_at
    assert reopened.accept_due_at == reopened_at + timedelta(hours=24)
    assert reopened.resolve_due_at == reopened_at + timedelta(hours=72)
    assert escalated.escalated_at == escalated_at
    assert escalated.accept_due_at == escalated_at + timedelta(hours=12)
    assert escalated.investigate_due_at == escalated_at + timedelta(hours=24)
    assert escalated.resolve_due_at == escalated_at + timedelta(hours=36)


async def test_configured_sla_hours_are_used(sessions: SessionFactory, clock: FakeClock) -> None:
    tickets = TicketService(sessions, clock=clock, sla=SlaHours(accept=2, investigate=4, resolve=8))

    ticket = await tickets.file_ticket(BUYER, category="delivery", description="lost")

    assert ticket.accept_due_at == clock.now + timedelta(hours=2)
    assert ticket.investigate_due_at == clock.now + timedelta(hours=4)
    assert ticket.resolve_due_at == clock.now + timedelta(hours=8)


async def test_assignment_and_priority_are_audited(
    tickets: TicketService, sessions: SessionFactory
) -> None:
    ticket = await tickets.file_ticket(BUYER, category="delivery", description="lost")

    assigned = await tickets.assign(ticket.number, AGENT, actor_id=AGENT)
    urgent = await tickets.set_priority(ticket.number, Priority.URGENT, actor_id=AGENT)

    assert assigned.assignee_id == AGENT
    assert urgent.priority is Priority.URGENT
    rows = await audit_rows(sessions, ticket.id)
    assert [(row.action, row.before, row.after) for row in rows[1:]] == [
        ("assigned", {"assignee_id": None}, {"assignee_id": AGENT}),
        ("priority", {"priority": "normal"}, {"priority": "urgent"}),
    ]


async def test_unknown_numbers_are_not_found(tickets: TicketService) -> None:
    with pytest.raises(TicketNotFound):
        await tickets.change_status("TS-20261121-9999", S.ACCEPTED, AGENT)
    with pytest.raises(TicketNotFound):
        await tickets.get("TS-20261121-9999")
