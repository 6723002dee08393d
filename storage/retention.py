"""Anonymises closed tickets older than the retention period, keeping what statistics need."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select, update

from storage.db import SessionFactory, transaction
from storage.lifecycle import TicketStatus
from storage.models import Attachment, AuditEntry, Person, Rating, Ticket, TicketMessage


@dataclass(frozen=True)
class RetentionSummary:
    """How much one anonymisation run cleared."""

    tickets: int
    messages: int
    attachments: int
    people: int


async def anonymise_expired(
    sessions: SessionFactory, *, now: datetime, retention_days: int
) -> RetentionSummary:
    """Clears the personal fields of tickets closed more than `retention_days` ago; idempotent.

    Kept: category, platform, status, priority, every timestamp and due time, rating scores.
    Cleared: description, order number, shop, message texts, attachment file ids and captions,
    audit notes, rating comments, and the display name of owners left with no other tickets.
    """
    cutoff = now - timedelta(days=retention_days)
    expired = (
        select(Ticket.id)
        .where(
            Ticket.status == TicketStatus.CLOSED,
            Ticket.closed_at < cutoff,
            Ticket.anonymised_at.is_(None),
        )
        .correlate(None)  # self-contained even inside statements on tickets
        .scalar_subquery()
    )
    no_sync = {"synchronize_session": False}
    async with transaction(sessions) as session:
        messages = await session.execute(
            update(TicketMessage).where(TicketMessage.ticket_id.in_(expired)).values(text=None),
            execution_options=no_sync,
        )
        attachments = await session.execute(
            update(Attachment)
            .where(Attachment.ticket_id.in_(expired))
            .values(file_id=None, file_unique_id=None, caption=None),
            execution_options=no_sync,
        )
        await session.execute(
            update(AuditEntry).where(AuditEntry.ticket_id.in_(expired)).values(note=None),
            execution_options=no_sync,
        )
        await session.execute(
            update(Rating).where(Rating.ticket_id.in_(expired)).values(comment=None),
            execution_options=no_sync,
        )
        people = await session.execute(
            update(Person)
            .where(
                Person.id.in_(
                    select(Ticket.owner_id).where(Ticket.id.in_(expired)).correlate(None)
                ),
                Person.display_name.is_not(None),
                ~exists().where(
                    Ticket.owner_id == Person.id,
                    ~and_(Ticket.status == TicketStatus.CLOSED, Ticket.closed_at < cutoff),
                ),
            )
            .values(display_name=None, updated_at=now),
            execution_options=no_sync,
        )
        tickets = await session.execute(
            update(Ticket)
            .where(Ticket.id.in_(expired))
            .values(description=None, order_number=None, shop=None, anonymised_at=now),
            execution_options=no_sync,
        )
    return RetentionSummary(
        tickets=tickets.rowcount,
        messages=messages.rowcount,
        attachments=attachments.rowcount,
        people=people.rowcount,
    )
