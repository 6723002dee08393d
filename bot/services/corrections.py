"""Agents correcting a ticket's category, and the descriptions whose category people vouched
for, which become training data for the model.

A ticket's category is *corrected* when an agent changed it; it is *confirmed* when agents
took the ticket to a decision (resolved, rejected, closed) in the category it had. Both are
labels a person stands behind, unlike a category the buyer picked and nobody looked at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from bot.services.clock import Clock
from bot.services.intake_draft import COMPLAINT_CATEGORIES
from bot.services.records import TicketRecord
from storage import repositories as repo
from storage.db import SessionFactory, transaction
from storage.errors import DomainError, TicketNotFound
from storage.lifecycle import DECIDED
from storage.models import Ticket
from storage.numbering import normalise_number


class UnknownCategory(DomainError):
    """Not a category of the taxonomy (a forged button)."""


class CategoryChangedMeanwhile(DomainError):
    """Someone changed the category after the list was opened; nothing was changed."""

    def __init__(self, ticket: TicketRecord) -> None:
        super().__init__(f"{ticket.number} is now {ticket.category}")
        self.ticket = ticket


@dataclass(frozen=True, slots=True)
class CategoryChange:
    """The ticket after the change, and the category it had before."""

    ticket: TicketRecord
    before: str

    @property
    def changed(self) -> bool:
        return self.ticket.category != self.before


@dataclass(frozen=True, slots=True)
class LabelledDescription:
    """A description with the category people vouched for."""

    number: str
    category: str
    description: str
    corrected: bool  # an agent changed the category; otherwise confirmed by a decision


class CorrectionService:
    """Category corrections and the training data they give; each method is one transaction."""

    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions, self._clock = sessions, clock

    async def change_category(
        self, number: str, category: str, actor_id: int, *, expected: str
    ) -> CategoryChange:
        """Sets the category an agent chose and audits it. `expected` is the category shown
        when the agent opened the list: if it changed since, nothing changes."""
        if category not in COMPLAINT_CATEGORIES:
            raise UnknownCategory(category)
        now = self._clock()
        async with transaction(self._sessions) as session:
            ticket = await repo.ticket_by_number(session, normalise_number(number), for_update=True)
            if ticket is None:
                raise TicketNotFound(number)
            before = ticket.category
            if before != expected:
                raise CategoryChangedMeanwhile(TicketRecord.of(ticket))
            if category != before:
                ticket.category = category
                ticket.category_corrected_at = ticket.updated_at = now
                repo.record_change(
                    session,
                    action="category",
                    at=now,
                    actor_id=actor_id,
                    ticket_id=ticket.id,
                    before={"category": before},
                    after={"category": category, "model_category": ticket.model_category},
                )
            return CategoryChange(TicketRecord.of(ticket), before)

    async def labelled_descriptions(
        self, since: datetime | None = None
    ) -> list[LabelledDescription]:
        """Descriptions of corrected or confirmed tickets (filed since `since`), oldest first;
        anonymised tickets have none and are left out."""
        query = (
            select(Ticket.number, Ticket.category, Ticket.description, Ticket.category_corrected_at)
            .where(
                Ticket.description.is_not(None),
                Ticket.anonymised_at.is_(None),
                or_(Ticket.category_corrected_at.is_not(None), Ticket.status.in_(sorted(DECIDED))),
            )
            .order_by(Ticket.filed_at, Ticket.id)
        )
        if since is not None:
            query = query.where(Ticket.filed_at >= since)
        async with transaction(self._sessions, read_only=True) as session:
            rows = (await session.execute(query)).all()
        return [
            LabelledDescription(number, category, description, corrected is not None)
            for number, category, description, corrected in rows
            if description.strip()
        ]
