"""Services wired to the test database and the fake clock."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from bot.services.drafts import DraftService
from bot.services.groups import AgentGroupService
from bot.services.people import PeopleService
from bot.services.tickets import TicketService
from storage.db import SessionFactory, transaction
from storage.lifecycle import TicketStatus
from storage.models import AuditEntry, Ticket
from tests.conftest import FakeClock

BUYER = 1001
OTHER_BUYER = 1002
AGENT = 2001


@pytest.fixture
def tickets(sessions: SessionFactory, clock: FakeClock) -> TicketService:
    """The ticket service on the default SLA and timezone."""
    return TicketService(sessions, clock=clock)


@pytest.fixture
def people(sessions: SessionFactory, clock: FakeClock) -> PeopleService:
    """The people service."""
    return PeopleService(sessions, clock=clock)


@pytest.fixture
def drafts(sessions: SessionFactory, clock: FakeClock) -> DraftService:
    """The intake draft service."""
    return DraftService(sessions, clock=clock)


@pytest.fixture
def groups(sessions: SessionFactory, clock: FakeClock) -> AgentGroupService:
    """The agents' group service."""
    return AgentGroupService(sessions, clock=clock)


@pytest.fixture
async def known(people: PeopleService) -> None:
    """Two buyers and an agent the bot already knows."""
    await people.get_or_create(BUYER, "Li Wei", "zh")
    await people.get_or_create(OTHER_BUYER, "Anna", "en")
    await people.get_or_create(AGENT, "Agent Zhao", "zh")


async def audit_rows(sessions: SessionFactory, ticket_id: int) -> list[AuditEntry]:
    """The audit log of one ticket, oldest first."""
    async with transaction(sessions, read_only=True) as session:
        query = select(AuditEntry).where(AuditEntry.ticket_id == ticket_id)
        return list((await session.execute(query.order_by(AuditEntry.id))).scalars())


async def force_status(sessions: SessionFactory, number: str, status: TicketStatus) -> None:
    """Puts a ticket straight into `status`, bypassing the lifecycle, to set up a test."""
    async with transaction(sessions) as session:
        await session.execute(update(Ticket).where(Ticket.number == number).values(status=status))
