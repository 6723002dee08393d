"""Retention: closed tickets past the period lose their personal data, keep their statistics."""

from __future__ import annotations

from sqlalchemy import select

from bot.services.people import PeopleService
from bot.services.records import NewAttachment, TicketRecord
from bot.services.tickets import TicketService
from storage.db import SessionFactory, transaction
from storage.lifecycle import TicketStatus
from storage.models import Attachment, AttachmentKind, AuditEntry, AuthorKind, Rating, TicketMessage
from storage.retention import RetentionSummary, anonymise_expired
from tests.conftest import FakeClock
from tests.services.conftest import force_status

S = TicketStatus
ONLY_OLD, MIXED, RECENT, AGENT = 1, 2, 3, 9
PHOTO = NewAttachment(AttachmentKind.PHOTO, "file-id", "unique-id", 1000, "image/jpeg", "私人")


async def _file(tickets: TicketService, owner: int) -> TicketRecord:
    ticket = await tickets.file_ticket(
        owner,
        category="delivery",
        platform="jd",
        description="我的地址是…",
        order_number="4012345678901234567",
        shop="某店",
        attachments=[PHOTO],
    )
    await tickets.add_message(
        ticket.number,
        author_kind=AuthorKind.BUYER,
        author_id=owner,
        text="电话 13800000000",
        buyer_chat_id=owner,
        buyer_message_id=ticket.id,
    )
    return ticket


async def _close(tickets: TicketService, sessions: SessionFactory, ticket: TicketRecord) -> None:
    await force_status(sessions, ticket.number, S.INVESTIGATING)
    await tickets.change_status(ticket.number, S.RESOLVED, AGENT, note="refunded to 李先生")
    await tickets.rate(ticket.owner_id, ticket.number, 4, "谢谢 王经理")
    await tickets.change_status(ticket.number, S.CLOSED, None)


async def test_old_closed_tickets_are_anonymised_once(
    sessions: SessionFactory, clock: FakeClock
) -> None:
    people, tickets = PeopleService(sessions, clock=clock), TicketService(sessions, clock=clock)
    for person, name in ((ONLY_OLD, "Old"), (MIXED, "Mixed"), (RECENT, "Recent"), (AGENT, "A")):
        await people.get_or_create(person, name)
    expired = await _file(tickets, ONLY_OLD)
    await _close(tickets, sessions, expired)
    rejected = await _file(tickets, MIXED)
    await tickets.change_status(rejected.number, S.REJECTED, AGENT)
    await tickets.change_status(rejected.number, S.CLOSED, AGENT)
    still_resolved = await _file(tickets, RECENT)
    await force_status(sessions, still_resolved.number, S.RESOLVED)
    clock.advance(days=390)
    recently_closed = await _file(tickets, RECENT)
    await _close(tickets, sessions, recently_closed)
    open_ticket = await _file(tickets, MIXED)
    clock.advance(days=11)

    summary = await anonymise_expired(sessions, now=clock.now, retention_days=400)
    again = await anonymise_expired(sessions, now=clock.now, retention_days=400)

    assert summary == RetentionSummary(tickets=2, messages=2, attachments=2, people=1)
    assert again == RetentionSummary(tickets=0, messages=0, attachments=0, people=0)
    for ticket in (expired, rejected):
        after = await tickets.get(ticket.number)
        assert (after.description, after.order_number, after.shop) == (None, None, None)
        assert (after.category, after.platform, after.status) == ("delivery", "jd", S.CLOSED)
        assert after.filed_at == ticket.filed_at and after.closed_at is not None
    for ticket in (still_resolved, recently_closed, open_ticket):
        assert (await tickets.get(ticket.number)).description == "我的地址是…"
    assert (await people.get(ONLY_OLD)).display_name is None
    assert (await people.get(MIXED)).display_name == "Mixed"
    assert (await people.get(RECENT)).display_name == "Recent"

    async with transaction(sessions, read_only=True) as session:
        message = await session.scalar(
            select(TicketMessage).where(TicketMessage.ticket_id == expired.id)
        )
        attachment = await session.scalar(
            select(Attachment).where(Attachment.ticket_id == expired.id)
        )
        rating = await session.scalar(select(Rating).where(Rating.ticket_id == expired.id))
        notes = (
            await session.scalars(select(AuditEntry.note).where(AuditEntry.ticket_id == expired.id))
        ).all()
        kept_note = await session.scalar(
            select(AuditEntry.note).where(
                AuditEntry.ticket_id == recently_closed.id, AuditEntry.note.is_not(None)
            )
        )
    assert message is not None and message.text is None and message.buyer_message_id is not None
    assert attachment is not None
    assert (attachment.file_id, attachment.file_unique_id, attachment.caption) == (None,) * 3
    assert (attachment.kind, attachment.file_size) == (AttachmentKind.PHOTO, 1000)
    assert rating is not None and (rating.score, rating.comment) == (4, None)
    assert notes and set(notes) == {None}
    assert kept_note == "refunded to 李先生"
