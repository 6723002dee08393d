"""Rating, review, escalation, auto-close and SLA notices, with a clock the tests move."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services.aftercare import AftercareService, NotDecided, ReviewTooLate
from bot.services.sla_watch import SlaWatch
from bot.services.tickets import TicketService
from storage.db import SessionFactory
from storage.lifecycle import TicketStatus
from tests.conftest import FakeClock
from tests.services.conftest import AGENT, BUYER

pytestmark = pytest.mark.usefixtures("known")
S = TicketStatus


@pytest.fixture
def aftercare(sessions: SessionFactory, tickets: TicketService, clock: FakeClock):
    return AftercareService(sessions, tickets, clock, window_days=7)


@pytest.fixture
def watch(sessions: SessionFactory, clock: FakeClock) -> SlaWatch:
    return SlaWatch(sessions, clock, remind_before=timedelta(hours=2))


async def resolved(tickets: TicketService) -> str:
    number = (await tickets.file_ticket(BUYER, category="delivery", description="丢件")).number
    for status in (S.ACCEPTED, S.INVESTIGATING, S.RESOLVED):
        await tickets.change_status(number, status, AGENT)
    return number


async def test_a_good_rating_closes_a_poor_one_leaves_it_open(aftercare, tickets) -> None:
    good, poor = await resolved(tickets), await resolved(tickets)
    rated = await aftercare.rate(BUYER, good, 4)
    assert rated.ticket.status is S.CLOSED and not rated.unhappy
    rated = await aftercare.rate(BUYER, poor, 2, "没解决")
    assert rated.ticket.status is S.RESOLVED and rated.unhappy
    assert (await tickets.rating_of(rated.ticket.id)).comment == "没解决"


async def test_review_reopens_with_the_reason_until_the_window_ends(
    aftercare, tickets, clock: FakeClock
) -> None:
    number = await resolved(tickets)
    reopened = await aftercare.request_review(BUYER, number, "商家没有退款")
    assert reopened.status is S.REOPENED
    closed = await resolved_and_closed(tickets)
    clock.advance(days=6)
    assert (await aftercare.request_review(BUYER, closed, "还是不行")).status is S.REOPENED
    late = await resolved_and_closed(tickets)
    clock.advance(days=8)
    with pytest.raises(ReviewTooLate):
        await aftercare.request_review(BUYER, late, "太晚了")


async def resolved_and_closed(tickets: TicketService) -> str:
    number = await resolved(tickets)
    await tickets.change_status(number, S.CLOSED, BUYER)
    return number


async def test_nothing_to_review_before_a_decision(aftercare, tickets) -> None:
    number = (await tickets.file_ticket(BUYER, category="billing", description="多扣钱")).number
    with pytest.raises(NotDecided):
        await aftercare.escalate(BUYER, number)
    with pytest.raises(NotDecided):
        await aftercare.request_review(BUYER, number, "?")


async def test_escalation_halves_the_deadlines(aftercare, tickets, clock: FakeClock) -> None:
    number = await resolved(tickets)
    escalated = await aftercare.escalate(BUYER, number)
    assert escalated.status is S.ESCALATED
    assert escalated.resolve_due_at - clock.now == timedelta(hours=36)


async def test_decided_tickets_close_by_themselves_after_the_window(
    aftercare, tickets, clock: FakeClock
) -> None:
    old = await resolved(tickets)
    clock.advance(days=3)
    recent = await resolved(tickets)
    clock.advance(days=5)
    closed = await aftercare.close_stale()
    assert [t.number for t in closed] == [old]
    assert (await tickets.get(recent)).status is S.RESOLVED


async def test_reminder_near_the_deadline_then_overdue_each_once(
    watch: SlaWatch, tickets: TicketService, clock: FakeClock
) -> None:
    number = (await tickets.file_ticket(BUYER, category="privacy", description="泄露")).number
    clock.advance(hours=21)
    assert await watch.due_notices() == []
    clock.advance(hours=1, minutes=30)  # 22.5 h after filing: within 2 h of the 24 h deadline
    notices = await watch.due_notices()
    assert [(n.ticket.number, n.kind, n.stage) for n in notices] == [(number, "reminder", "accept")]
    assert await watch.due_notices() == []
    clock.advance(hours=2)
    notices = await watch.due_notices()
    assert [(n.kind, n.stage) for n in notices] == [("overdue", "accept")]
    clock.advance(hours=5)
    assert await watch.due_notices() == []


async def test_each_stage_has_its_own_notices(
    watch: SlaWatch, tickets: TicketService, clock: FakeClock
) -> None:
    number = (await tickets.file_ticket(BUYER, category="account", description="封号")).number
    await tickets.change_status(number, S.ACCEPTED, AGENT)
    clock.advance(hours=47)
    assert [(n.kind, n.stage) for n in await watch.due_notices()] == [("reminder", "investigate")]
    await tickets.change_status(number, S.INVESTIGATING, AGENT)
    await tickets.change_status(number, S.WAITING_FOR_BUYER, AGENT)
    clock.advance(hours=30)  # past the result deadline, but it is the buyer's turn
    assert await watch.due_notices() == []
    await tickets.change_status(number, S.INVESTIGATING, BUYER)
    assert [(n.kind, n.stage) for n in await watch.due_notices()] == [("overdue", "resolve")]
