"""The conversation of a ticket: every relayed message and card maps back to its ticket."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from bot.services.records import NewAttachment
from bot.services.tickets import TicketService
from storage.errors import TicketNotFound
from storage.models import AttachmentKind, AuthorKind
from tests.services.conftest import AGENT, BUYER, OTHER_BUYER

pytestmark = pytest.mark.usefixtures("known")

GROUP = -1001234567890


async def test_relayed_messages_map_back_from_both_sides(tickets: TicketService) -> None:
    first = await tickets.file_ticket(BUYER, category="delivery", description="lost")
    second = await tickets.file_ticket(OTHER_BUYER, category="billing", description="twice")
    question = await tickets.add_message(
        first.number,
        author_kind=AuthorKind.BUYER,
        author_id=BUYER,
        text="any news?",
        buyer_chat_id=BUYER,
        buyer_message_id=10,
        group_chat_id=GROUP,
        group_message_id=500,
    )
    await tickets.add_message(
        second.number,
        author_kind=AuthorKind.AGENT,
        author_id=AGENT,
        text="we are checking",
        group_chat_id=GROUP,
        group_message_id=501,
        buyer_chat_id=OTHER_BUYER,
        buyer_message_id=10,
    )

    assert (await tickets.find_ticket_by_message(GROUP, 500)) == first
    assert (await tickets.find_ticket_by_message(BUYER, 10)) == first
    assert (await tickets.find_ticket_by_message(GROUP, 501)) == second
    assert (await tickets.find_ticket_by_message(OTHER_BUYER, 10)) == second
    assert await tickets.find_message(GROUP, 500) == question
    assert await tickets.find_ticket_by_message(GROUP, 10) is None
    assert await tickets.find_ticket_by_message(GROUP, 999) is None


async def test_internal_notes_and_system_messages_have_one_side(tickets: TicketService) -> None:
    ticket = await tickets.file_ticket(BUYER, category="delivery", description="lost")

    note = await tickets.add_message(
        ticket.number,
        author_kind=AuthorKind.INTERNAL,
        author_id=AGENT,
        text="courier says delivered",
        group_chat_id=GROUP,
        group_message_id=700,
    )
    notice = await tickets.add_message(
        ticket.number, author_kind=AuthorKind.SYSTEM, text="status: accepted"
    )

    assert note.author_kind is AuthorKind.INTERNAL and note.buyer_message_id is None
    assert notice.group_chat_id is None and notice.buyer_chat_id is None
    assert (await tickets.find_ticket_by_message(GROUP, 700)) == ticket


async def test_one_telegram_message_cannot_map_to_two_entries(tickets: TicketService) -> None:
    ticket = await tickets.file_ticket(BUYER, category="delivery", description="lost")
    ids = {"group_chat_id": GROUP, "group_message_id": 800}
    await tickets.add_message(ticket.number, author_kind=AuthorKind.AGENT, text="a", **ids)

    with pytest.raises(IntegrityError):
        await tickets.add_message(ticket.number, author_kind=AuthorKind.AGENT, text="b", **ids)


async def test_card_and_topic_lead_to_the_ticket(tickets: TicketService) -> None:
    ticket = await tickets.file_ticket(BUYER, category="delivery", description="lost")

    threaded = await tickets.set_group_thread(
        ticket.number, chat_id=GROUP, topic_id=77, card_message_id=78
    )

    assert (threaded.group_chat_id, threaded.group_topic_id, threaded.group_card_message_id) == (
        GROUP,
        77,
        78,
    )
    assert await tickets.find_ticket_by_message(GROUP, 78) == threaded
    assert await tickets.find_ticket_by_topic(GROUP, 77) == threaded
    assert await tickets.find_ticket_by_topic(GROUP, 79) is None


async def test_attachments_can_follow_the_filing(tickets: TicketService) -> None:
    ticket = await tickets.file_ticket(BUYER, category="counterfeit", description="fake")
    message = await tickets.add_message(
        ticket.number,
        author_kind=AuthorKind.BUYER,
        author_id=BUYER,
        text=None,
        buyer_chat_id=BUYER,
        buyer_message_id=20,
    )
    video = NewAttachment(
        kind=AttachmentKind.VIDEO,
        file_id="BAACAgUAAxkBAAIC",
        file_unique_id="AgADvxAAA",
        file_size=3_000_000_000,
        mime_type="video/mp4",
        caption="unboxing",
    )

    stored = await tickets.add_attachment(ticket.number, video, ticket_message_id=message.id)

    assert stored.ticket_message_id == message.id
    assert stored.file_size == 3_000_000_000
    assert await tickets.list_attachments(ticket.number) == [stored]
    with pytest.raises(TicketNotFound):
        await tickets.add_attachment("TS-20261121-0099", video)
