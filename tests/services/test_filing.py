"""Filing: numbers, SLA due times, evidence, audit, and many tickets at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.services.people import PeopleService
from bot.services.records import NewAttachment, NewTicket
from bot.services.tickets import TicketService
from storage.db import SessionFactory, transaction
from storage.errors import PersonBlocked, PersonNotFound
from storage.lifecycle import TicketStatus
from storage.models import AttachmentKind, Priority, Resolution
from storage.numbering import NUMBER_PATTERN
from tests.conftest import FakeClock
from tests.services.conftest import AGENT, BUYER, audit_rows

pytestmark = pytest.mark.usefixtures("known")

PHOTO = NewAttachment(
    kind=AttachmentKind.PHOTO,
    file_id="AgACAgUAAxkBAAIB",
    file_unique_id="AQADx7ExG",
    file_size=123_456,
    mime_type="image/jpeg",
    caption="碎了",
)


async def test_filing_gives_a_number_due_times_and_an_audit_row(
    tickets: TicketService, sessions: SessionFactory, clock: FakeClock
) -> None:
    ticket = await tickets.file_ticket(
        BUYER,
        category="product_quality",
        category_confidence=0.91,
        description="杯子到货就碎了",
        platform="taobao",
        order_number="4012345678901234567",
        shop="某某旗舰店",
        desired_resolution=Resolution.REFUND,
        attachments=[PHOTO],
    )

    assert ticket.number == "TS-20261121-0001"
    assert (ticket.status, ticket.priority, ticket.owner_id) == (
        TicketStatus.NEW,
        Priority.NORMAL,
        BUYER,
    )
    assert ticket.filed_at == clock.now
    assert ticket.accept_due_at == clock.now + timedelta(hours=24)
    assert ticket.investigate_due_at == clock.now + timedelta(hours=48)
    assert ticket.resolve_due_at == clock.now + timedelta(hours=72)
    assert await tickets.get(ticket.number) == ticket
    [attachment] = await tickets.list_attachments(ticket.number)
    assert (attachment.file_id, attachment.file_unique_id, attachment.caption) == (
        PHOTO.file_id,
        PHOTO.file_unique_id,
        "碎了",
    )
    [filed] = await audit_rows(sessions, ticket.id)
    assert (filed.action, filed.actor_id, filed.after) == (
        "filed",
        BUYER,
        {"status": "new", "category": "product_quality"},
    )
    assert filed.created_at == clock.now


async def test_number_uses_the_configured_timezone(
    sessions: SessionFactory, clock: FakeClock
) -> None:
    clock.now = clock.now.replace(hour=17)  # 01:00 on 22 November in Shanghai
    shanghai = TicketService(sessions, clock=clock)
    utc = TicketService(sessions, clock=clock, timezone="UTC")

    first = await shanghai.file_ticket(BUYER, category="delivery", description="lost")
    second = await utc.file_ticket(BUYER, category="delivery", description="lost")

    assert first.number == "TS-20261122-0001"
    assert second.number == "TS-20261121-0001"


async def test_unknown_and_blocked_people_cannot_file(
    tickets: TicketService, people: PeopleService
) -> None:
    with pytest.raises(PersonNotFound):
        await tickets.file_ticket(999, category="delivery", description="lost")
    await people.block(BUYER, "spam", actor_id=AGENT)
    with pytest.raises(PersonBlocked):
        await tickets.file_ticket(BUYER, category="delivery", description="lost")

    await people.unblock(BUYER, actor_id=AGENT)
    ticket = await tickets.file_ticket(BUYER, category="delivery", description="lost")
    assert ticket.number.endswith("-0001")


async def test_two_hundred_concurrent_filings_get_distinct_numbers(
    tickets: TicketService, people: PeopleService
) -> None:
    owners = [5000 + index for index in range(20)]
    for owner in owners:
        await people.get_or_create(owner, f"buyer {owner}")

    filed = await asyncio.gather(
        *(
            tickets.file_ticket(owners[index % 20], category="delivery", description=f"#{index}")
            for index in range(200)
        )
    )

    numbers = [ticket.number for ticket in filed]
    assert len(set(numbers)) == 200
    assert all(NUMBER_PATTERN.fullmatch(number) for number in numbers)
    assert sorted(numbers) == [f"TS-20261121-{sequence:04d}" for sequence in range(1, 201)]


async def test_filing_inside_a_callers_transaction_and_finding_it_again(
    tickets: TicketService, sessions: SessionFactory, clock: FakeClock
) -> None:
    new = NewTicket(
        owner_id=BUYER,
        category="refund_return",
        description="refund refused",
        confidence=0.7,
        order_number="123456789",
        desired_resolution="refund",
        evidence=[PHOTO],
        intake_token="tok-1",
    )
    async with transaction(sessions) as session:
        ticket = await tickets.file_in(session, new)
        number = ticket.number

    async with transaction(sessions) as session:
        again = await tickets.find_by_intake_token(session, BUYER, "tok-1")
        duplicate = await tickets.find_recent_duplicate(
            session, BUYER, "refund_return", "123456789", since=clock.now - timedelta(hours=24)
        )
        other_order = await tickets.find_recent_duplicate(
            session, BUYER, "refund_return", "987", since=clock.now - timedelta(hours=24)
        )
        assert again is not None and again.number == number
        assert duplicate is not None and duplicate.number == number
        assert other_order is None
    assert (await tickets.get(number)).desired_resolution is Resolution.REFUND
    assert len(await tickets.list_attachments(number)) == 1


async def test_decided_tickets_are_not_duplicates(
    tickets: TicketService, sessions: SessionFactory, clock: FakeClock
) -> None:
    ticket = await tickets.file_ticket(BUYER, category="delivery", description="lost")
    await tickets.change_status(ticket.number, TicketStatus.REJECTED, AGENT)

    async with transaction(sessions) as session:
        found = await tickets.find_recent_duplicate(
            session, BUYER, "delivery", None, since=clock.now - timedelta(hours=1)
        )
    assert found is None
