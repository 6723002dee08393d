"""After the decision: rating, review, escalation and closing, with their rules in one place.

- A rating of 3 to 5 accepts the outcome and closes the ticket; 1 or 2 leaves it open for a
  review or an escalation.
- A review reopens a resolved or rejected ticket, or a closed one within the review window
  (AUTO_CLOSE_DAYS after closing); later, the buyer is pointed to the outside channels.
- An escalation takes a resolved or rejected ticket to a supervisor (deadlines halved).
- Decided tickets nobody acted on close by themselves after the same number of days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from bot.services.clock import Clock
from bot.services.intake_draft import Draft, Step
from bot.services.records import RatingRecord, TicketRecord
from bot.services.tickets import TicketService
from storage.db import SessionFactory, transaction
from storage.errors import DomainError
from storage.lifecycle import TicketStatus
from storage.models import IntakeDraft, Ticket

QUESTIONS = (Step.COMMENT, Step.REVIEW)

ACCEPTING_SCORE = 3
OUTCOMES = (TicketStatus.RESOLVED, TicketStatus.REJECTED)


class NotDecided(DomainError):
    """The ticket has no outcome yet to review or escalate."""


class ReviewTooLate(DomainError):
    """The ticket was closed longer ago than the review window."""


@dataclass(frozen=True, slots=True)
class Rated:
    rating: RatingRecord
    ticket: TicketRecord
    unhappy: bool


class AftercareService:
    """Use cases after a decision; status changes go through the ticket service's check."""

    def __init__(
        self, sessions: SessionFactory, tickets: TicketService, clock: Clock, window_days: int
    ) -> None:
        self._sessions, self._tickets, self._clock = sessions, tickets, clock
        self.window = timedelta(days=window_days)

    async def rate(
        self, owner_id: int, number: str, score: int, comment: str | None = None
    ) -> Rated:
        """Stores the rating; a good one closes the ticket."""
        rating = await self._tickets.rate(owner_id, number, score, comment)
        ticket = await self._tickets.get_for_owner(owner_id, number)
        if score >= ACCEPTING_SCORE and ticket.status in OUTCOMES:
            ticket = await self._tickets.change_status(
                number, TicketStatus.CLOSED, owner_id, note=f"rated {score}"
            )
        return Rated(rating, ticket, unhappy=score < ACCEPTING_SCORE)

    async def check_review(self, owner_id: int, number: str) -> TicketRecord:
        """The ticket if the buyer may ask for its review now; else NotDecided or ReviewTooLate."""
        ticket = await self._tickets.get_for_owner(owner_id, number)
        if ticket.merged_into is not None:  # its follow-up is the ticket it went into
            raise NotDecided(number)
        if ticket.status in OUTCOMES:
            return ticket
        if ticket.status is TicketStatus.CLOSED:
            if ticket.closed_at is not None and ticket.closed_at >= self._clock() - self.window:
                return ticket
            raise ReviewTooLate(number)
        raise NotDecided(number)

    async def request_review(self, owner_id: int, number: str, reason: str) -> TicketRecord:
        """Reopens the ticket with the buyer's reason."""
        await self.check_review(owner_id, number)
        return await self._tickets.change_status(
            number, TicketStatus.REOPENED, owner_id, note=reason
        )

    async def escalate(self, owner_id: int, number: str) -> TicketRecord:
        """Takes a decided ticket to a supervisor; a closed one is reviewed instead."""
        ticket = await self.check_review(owner_id, number)
        if ticket.status is TicketStatus.CLOSED:
            raise NotDecided(number)
        return await self._tickets.change_status(
            number, TicketStatus.ESCALATED, owner_id, note="escalated by the buyer"
        )

    async def reviewable(self, owner_id: int) -> list[TicketRecord]:
        """The buyer's tickets that can be reviewed or escalated now, newest first."""
        cutoff = self._clock() - self.window
        async with transaction(self._sessions, read_only=True) as session:
            query = (
                select(Ticket)
                .where(
                    Ticket.owner_id == owner_id,
                    Ticket.merged_into.is_(None),
                    or_(
                        Ticket.status.in_(OUTCOMES),
                        (Ticket.status == TicketStatus.CLOSED) & (Ticket.closed_at >= cutoff),
                    ),
                )
                .order_by(Ticket.updated_at.desc())
                .limit(6)
            )
            return [TicketRecord.of(t) for t in await session.scalars(query)]

    async def close_stale(self) -> list[TicketRecord]:
        """Closes decided tickets untouched for the window; returns the closed ones."""
        cutoff = self._clock() - self.window
        decided_at = func.coalesce(Ticket.resolved_at, Ticket.rejected_at)
        async with transaction(self._sessions, read_only=True) as session:
            query = select(Ticket.number).where(Ticket.status.in_(OUTCOMES), decided_at < cutoff)
            numbers = list(await session.scalars(query))
        return [
            await self._tickets.change_status(n, TicketStatus.CLOSED, None, note="auto-closed")
            for n in numbers
        ]

    def review_deadline(self, closed_at: datetime) -> datetime:
        return closed_at + self.window

    async def expect_text(self, owner_id: int, step: Step, number: str) -> bool:
        """Waits for the buyer's comment or reason; False when an intake is in progress."""
        now = self._clock()
        async with transaction(self._sessions) as session:
            row = await session.get(IntakeDraft, owner_id, with_for_update=True)
            if row is not None and Step(row.step) not in QUESTIONS:
                return False
            draft = Draft(ticket_number=number)
            if row is None:
                row = IntakeDraft(person_id=owner_id, created_at=now)
                session.add(row)
            row.step, row.data, row.updated_at = step.value, draft.to_json(), now
            return True

    async def take_text(self, owner_id: int, step: Step) -> str | None:
        """The ticket number the awaited text is for, forgetting the wait; None if not awaited."""
        async with transaction(self._sessions) as session:
            row = await session.get(IntakeDraft, owner_id, with_for_update=True)
            if row is None or row.step != step.value:
                return None
            await session.delete(row)
            return Draft.from_json(row.data).ticket_number
