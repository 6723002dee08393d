"""A buyer sees only their own tickets; someone else's number looks like no ticket at all."""

from __future__ import annotations

import pytest

from bot.services.tickets import TicketService
from storage.errors import TicketNotFound
from storage.lifecycle import TicketStatus
from tests.conftest import FakeClock
from tests.services.conftest import AGENT, BUYER, OTHER_BUYER

pytestmark = pytest.mark.usefixtures("known")


async def test_owner_reads_their_ticket_however_the_number_is_typed(
    tickets: TicketService,
) -> None:
    ticket = await tickets.file_ticket(BUYER, category="delivery", description="lost")

    assert await tickets.get_for_owner(BUYER, f" {ticket.number.lower()} ") == ticket


async def test_someone_elses_number_raises_the_same_error_as_a_missing_one(
    tickets: TicketService,
) -> None:
    ticket = await tickets.file_ticket(BUYER, category="delivery", description="lost")
    missing = "TS-20261121-0002"

    with pytest.raises(TicketNotFound) as foreign:
        await tickets.get_for_owner(OTHER_BUYER, ticket.number)
    with pytest.raises(TicketNotFound) as absent:
        await tickets.get_for_owner(OTHER_BUYER, missing)

    assert type(foreign.value) is type(absent.value)
    assert vars(foreign.value) == {"number": ticket.number}
    assert vars(absent.value) == {"number": missing}
    assert str(foreign.value).replace(ticket.number, "N") == str(absent.value).replace(missing, "N")


async def test_someone_elses_ticket_cannot_be_rated(tickets: TicketService) -> None:
    ticket = await tickets.file_ticket(BUYER, category="delivery", description="lost")
    await tickets.change_status(ticket.number, TicketStatus.REJECTED, AGENT)

    with pytest.raises(TicketNotFound):
        await tickets.rate(OTHER_BUYER, ticket.number, 1)


async def test_list_shows_only_the_owners_tickets_newest_first(
    tickets: TicketService, clock: FakeClock
) -> None:
    mine = []
    for index in range(3):
        clock.advance(minutes=5)
        mine.append(await tickets.file_ticket(BUYER, category="delivery", description=f"{index}"))
    await tickets.file_ticket(OTHER_BUYER, category="billing", description="double charge")

    listed = await tickets.list_for_owner(BUYER)

    assert [ticket.number for ticket in listed] == [ticket.number for ticket in reversed(mine)]
    assert len(await tickets.list_for_owner(BUYER, limit=2)) == 2
    assert await tickets.list_for_owner(AGENT) == []
