"""The queries the services share; each takes the session of the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.lifecycle import OPEN
from storage.models import AuditEntry, AuthorKind, InboxUpdate, Ticket, TicketMessage


async def ticket_by_number(
    session: AsyncSession, number: str, *, for_update: bool = False
) -> Ticket | None:
    """The ticket with this number, locked for the transaction when asked (PostgreSQL)."""
    query = select(Ticket).where(Ticket.number == number)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def ticket_of_owner(
    session: AsyncSession, owner_id: int, number: str, *, for_update: bool = False
) -> Ticket | None:
    """The ticket with this number if `owner_id` filed it, else None."""
    query = select(Ticket).where(Ticket.number == number, Ticket.owner_id == owner_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def tickets_of_owner(session: AsyncSession, owner_id: int, limit: int) -> Sequence[Ticket]:
    """A person's tickets, newest first."""
    query = (
        select(Ticket)
        .where(Ticket.owner_id == owner_id)
        .order_by(Ticket.filed_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    return (await session.execute(query)).scalars().all()


async def ticket_by_intake_token(session: AsyncSession, owner_id: int, token: str) -> Ticket | None:
    """The ticket a given intake filed."""
    query = select(Ticket).where(Ticket.owner_id == owner_id, Ticket.intake_token == token)
    return (await session.execute(query)).scalar_one_or_none()


async def status_changes_during(
    session: AsyncSession, update_id: int, actor_id: int
) -> Sequence[AuditEntry]:
    """The status changes `actor_id` made since the update `update_id` arrived, oldest first."""
    arrived = select(InboxUpdate.received_at).where(InboxUpdate.update_id == update_id)
    query = (
        select(AuditEntry)
        .where(AuditEntry.action == "status", AuditEntry.actor_id == actor_id,
               AuditEntry.created_at >= arrived.scalar_subquery())
        .order_by(AuditEntry.id)
    )  # fmt: skip
    return (await session.scalars(query)).all()


async def messages_during(
    session: AsyncSession, update_id: int, author_id: int
) -> Sequence[TicketMessage]:
    """The conversation messages `author_id` wrote since the update `update_id` arrived."""
    arrived = select(InboxUpdate.received_at).where(InboxUpdate.update_id == update_id)
    query = (
        select(TicketMessage)
        .where(TicketMessage.author_id == author_id,
               TicketMessage.created_at >= arrived.scalar_subquery())
        .order_by(TicketMessage.id)
    )  # fmt: skip
    return (await session.scalars(query)).all()


SUBMITTED_AGAIN = "submitted_again"  # an intake's Submit answered with an open ticket


async def ticket_submitted_again(session: AsyncSession, owner_id: int, token: str) -> Ticket | None:
    """The open ticket a given intake's Submit was answered with (the same complaint)."""
    query = (
        select(Ticket)
        .join(AuditEntry, AuditEntry.ticket_id == Ticket.id)
        .where(AuditEntry.action == SUBMITTED_AGAIN, AuditEntry.person_id == owner_id,
               AuditEntry.note == token)
        .limit(1)
    )  # fmt: skip
    return (await session.execute(query)).scalars().first()


async def open_duplicate(
    session: AsyncSession, owner_id: int, category: str, order_number: str | None, since: datetime
) -> Ticket | None:
    """The owner's latest open ticket of the same category and order filed since `since`."""
    query = (
        select(Ticket)
        .where(
            Ticket.owner_id == owner_id,
            Ticket.category == category,
            Ticket.order_number.is_not_distinct_from(order_number),
            Ticket.filed_at >= since,
            Ticket.status.in_(OPEN),
        )
        .order_by(Ticket.filed_at.desc(), Ticket.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def message_by_telegram_id(
    session: AsyncSession, chat_id: int, message_id: int
) -> TicketMessage | None:
    """The conversation message sent or relayed as (chat_id, message_id) on either side."""
    group_side = and_(
        TicketMessage.group_chat_id == chat_id, TicketMessage.group_message_id == message_id
    )
    buyer_side = and_(
        TicketMessage.buyer_chat_id == chat_id, TicketMessage.buyer_message_id == message_id
    )
    query = select(TicketMessage).where(or_(group_side, buyer_side))
    return (await session.execute(query)).scalars().first()


async def ticket_by_card(session: AsyncSession, chat_id: int, message_id: int) -> Ticket | None:
    """The ticket whose card in the agents' group is this message."""
    query = select(Ticket).where(
        Ticket.group_chat_id == chat_id, Ticket.group_card_message_id == message_id
    )
    return (await session.execute(query)).scalars().first()


async def ticket_by_topic(session: AsyncSession, chat_id: int, topic_id: int) -> Ticket | None:
    """The ticket that owns this forum topic in the agents' group."""
    query = select(Ticket).where(Ticket.group_chat_id == chat_id, Ticket.group_topic_id == topic_id)
    return (await session.execute(query)).scalars().first()


async def ticket_by_buyer_topic(
    session: AsyncSession, owner_id: int, topic_id: int
) -> Ticket | None:
    """The buyer's ticket that owns this topic of their private chat with the bot."""
    query = select(Ticket).where(Ticket.owner_id == owner_id, Ticket.buyer_topic_id == topic_id)
    return (await session.execute(query)).scalars().first()


def record_change(
    session: AsyncSession,
    *,
    action: str,
    at: datetime,
    actor_id: int | None,
    ticket_id: int | None = None,
    person_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> AuditEntry:
    """Adds an audit row to the session; it is written with the caller's transaction."""
    entry = AuditEntry(
        ticket_id=ticket_id,
        person_id=person_id,
        actor_id=actor_id,
        action=action,
        before=before,
        after=after,
        note=note,
        created_at=at,
    )
    session.add(entry)
    return entry


async def latest_public_text(session: AsyncSession, ticket_id: int) -> str | None:
    """The newest agent or system message of a ticket, which the buyer has seen."""
    query = (
        select(TicketMessage.text)
        .where(
            TicketMessage.ticket_id == ticket_id,
            TicketMessage.author_kind.in_((AuthorKind.AGENT, AuthorKind.SYSTEM)),
            TicketMessage.text.is_not(None),
        )
        .order_by(TicketMessage.id.desc())
        .limit(1)
    )
    return await session.scalar(query)
