"""Edits of conversation messages: the message shows its latest text, and every text it
ever had stays in `ticket_message_versions` for the audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.services.clock import Clock
from bot.services.records import MessageRecord
from storage import repositories as repo
from storage.db import SessionFactory, transaction
from storage.models import Ticket, TicketMessage, TicketMessageVersion


@dataclass(frozen=True, slots=True)
class Version:
    text: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Edited:
    """A conversation message after an edit, with the ticket it belongs to."""

    message: MessageRecord
    number: str
    owner_id: int
    previous: str | None


class MessageVersions:
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions, self._clock = sessions, clock

    async def edit(self, chat_id: int, message_id: int, text: str | None) -> Edited | None:
        """Records the new text of the message that is (chat_id, message_id) on either side;
        None when it is not part of any ticket's conversation (an intake answer, say)."""
        async with transaction(self._sessions) as session:
            message = await repo.message_by_telegram_id(session, chat_id, message_id)
            if message is None:
                return None
            message = await session.get_one(TicketMessage, message.id, with_for_update=True)
            known = await session.scalar(
                select(TicketMessageVersion.id).where(
                    TicketMessageVersion.ticket_message_id == message.id
                )
            )
            if known is None:  # the first edit: the text as it was sent is version one
                session.add(_version(message.id, message.text, message.created_at))
            previous = message.text
            message.text = text
            session.add(_version(message.id, text, self._clock()))
            await session.flush()
            ticket = await session.get_one(Ticket, message.ticket_id)
            return Edited(MessageRecord.of(message), ticket.number, ticket.owner_id, previous)

    async def versions(self, message_row_id: int) -> list[Version]:
        """Every text the message had, oldest first; empty when it was never edited."""
        async with transaction(self._sessions, read_only=True) as session:
            rows = await session.scalars(
                select(TicketMessageVersion)
                .where(TicketMessageVersion.ticket_message_id == message_row_id)
                .order_by(TicketMessageVersion.id)
            )
            return [Version(row.text, row.created_at) for row in rows]


def _version(message_id: int, text: str | None, at: datetime) -> TicketMessageVersion:
    return TicketMessageVersion(ticket_message_id=message_id, text=text, created_at=at)
