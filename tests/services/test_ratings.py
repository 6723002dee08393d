"""Ratings: 1 to 5, only once a ticket is decided, replaceable, audited."""

from __future__ import annotations

import pytest

from bot.services.tickets import TicketService
from storage.db import SessionFactory
from storage.errors import InvalidRating
from storage.lifecycle import TicketStatus
from tests.conftest import FakeClock
from tests.services.conftest import AGENT, BUYER, audit_rows, force_status

pytestmark = pytest.mark.usefixtures("known")


async def test_a_decided_ticket_is_rated_and_rerated(
    tickets: TicketService, sessions: SessionFactory, clock: FakeClock
) -> None:
    ticket = await tickets.file_ticket(BUYER, category="delivery", description="lost")
    await force_status(sessions, ticket.number, TicketStatus.INVESTIGATING)
    await tickets.change_status(ticket.number, TicketStatus.RESOLVED, AGENT)

    first = await tickets.rate(BUYER, ticket.number, 2, "slow")
    clock.advance(hours=1)
    second = await tickets.rate(BUYER, ticket.number, 4)

    assert (first.score, first.comment) == (2, "slow")
    assert (second.score, second.comment, second.updated_at) == (4, None, clock.now)
    rated = [row for row in await audit_rows(sessions, ticket.id) if row.action == "rated"]
    assert [(row.before, row.after) for row in rated] == [
        (None, {"score": 2}),
        ({"score": 2}, {"score": 4}),
    ]


@pytest.mark.parametrize("score", [0, 6, -1])
async def test_scores_outside_one_to_five_are_refused(tickets: TicketService, score: int) -> None:
    with pytest.raises(InvalidRating):
        await tickets.rate(BUYER, "TS-20261121-0001", score)


async def test_an_open_ticket_cannot_be_rated(tickets: TicketService) -> None:
    ticket = await tickets.file_ticket(BUYER, category="delivery", description="lost")

    with pytest.raises(InvalidRating):
        await tickets.rate(BUYER, ticket.number, 5)
