"""Deadline reminders and overdue alerts, read from the database and sent once each.

A notice is claimed by inserting its row (ticket, kind, stage, due time) under a unique
index before it is sent, so a restart or a second bot process never sends it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from bot.services.clock import Clock
from bot.services.records import TicketRecord
from storage.db import SessionFactory, dialect_insert, transaction
from storage.lifecycle import TicketStatus
from storage.models import SlaNotice, Ticket

S = TicketStatus
STAGE_OF = {
    S.NEW: ("accept", "accept_due_at"),
    S.REOPENED: ("accept", "accept_due_at"),
    S.ACCEPTED: ("investigate", "investigate_due_at"),
    S.INVESTIGATING: ("resolve", "resolve_due_at"),
    S.ESCALATED: ("resolve", "resolve_due_at"),
}
REMINDER, OVERDUE = "reminder", "overdue"


@dataclass(frozen=True, slots=True)
class Notice:
    ticket: TicketRecord
    kind: str
    stage: str
    due_at: datetime


class SlaWatch:
    """Finds the notices that are due and claims each one exactly once."""

    def __init__(self, sessions: SessionFactory, clock: Clock, remind_before: timedelta) -> None:
        self._sessions, self._clock, self._remind_before = sessions, clock, remind_before

    async def due_notices(self) -> list[Notice]:
        now = self._clock()
        horizon = now + self._remind_before
        async with transaction(self._sessions) as session:
            candidates = await session.scalars(
                select(Ticket).where(
                    or_(
                        *(
                            (Ticket.status == status) & (getattr(Ticket, field) <= horizon)
                            for status, (_, field) in STAGE_OF.items()
                        )
                    )
                )
            )
            notices = []
            for ticket in candidates.all():
                stage, field = STAGE_OF[ticket.status]
                due = getattr(ticket, field)
                kind = OVERDUE if due <= now else REMINDER
                if await _claim(session, ticket.id, kind, stage, due, now):
                    notices.append(Notice(TicketRecord.of(ticket), kind, stage, due))
            return notices


async def _claim(session, ticket_id: int, kind: str, stage: str, due: datetime, now) -> bool:
    insert = dialect_insert(session)(SlaNotice).values(
        ticket_id=ticket_id, kind=kind, stage=stage, due_at=due, sent_at=now
    )
    claimed = await session.execute(insert.on_conflict_do_nothing().returning(SlaNotice.id))
    return claimed.scalar_one_or_none() is not None
