"""What a dossier says: the ticket, its history, conversation, decision, rating and evidence.

Two readers: the buyer (their own ticket only; internal notes left out, agents shown as the
support team) and the agents (everything, names included).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select

from bot.evidence.service import EvidenceService, StoredEvidence
from bot.services.clock import Clock
from bot.services.records import RatingRecord, TicketRecord
from bot.services.tickets import TicketService
from storage.db import SessionFactory, transaction
from storage.lifecycle import TicketStatus
from storage.models import AuditEntry, AuthorKind, Person, TicketMessage


class Reader(StrEnum):
    BUYER = "buyer"
    AGENT = "agent"


class Verdict(StrEnum):
    KEPT = "kept"
    MISSED = "missed"
    OPEN = "open"  # not done yet, still within its time


@dataclass(frozen=True, slots=True)
class Entry:
    """One message of the conversation."""

    at: datetime
    author: AuthorKind
    name: str | None  # an agent's name, in the agents' copy only
    text: str


@dataclass(frozen=True, slots=True)
class Event:
    """One step of the ticket's history: filed, a status change, a rating."""

    at: datetime
    action: str
    status: TicketStatus | None
    note: str | None


@dataclass(frozen=True, slots=True)
class Deadline:
    """One SLA step: when it was due, when it was done, and whether that was in time."""

    step: str  # review, investigation, result
    due: datetime
    done: datetime | None
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class Dossier:
    reader: Reader
    ticket: TicketRecord
    owner_name: str | None
    events: tuple[Event, ...]
    deadlines: tuple[Deadline, ...]
    conversation: tuple[Entry, ...]
    rating: RatingRecord | None
    evidence: tuple[StoredEvidence, ...]
    generated_at: datetime

    @property
    def decisions(self) -> tuple[Event, ...]:
        """Resolutions and rejections with their reasons, oldest first."""
        decided = (TicketStatus.RESOLVED, TicketStatus.REJECTED)
        return tuple(e for e in self.events if e.action == "status" and e.status in decided)


class DossierService:
    """Gathers a ticket's dossier; the buyer's copy only for the ticket's owner."""

    def __init__(
        self,
        sessions: SessionFactory,
        tickets: TicketService,
        evidence: EvidenceService,
        clock: Clock,
    ) -> None:
        self._sessions, self._tickets, self._evidence = sessions, tickets, evidence
        self._clock = clock

    async def for_buyer(self, owner_id: int, number: str) -> Dossier:
        """The buyer's copy; TicketNotFound for a number that is not theirs or not issued."""
        ticket = await self._tickets.get_for_owner(owner_id, number)
        return await self._gather(ticket, Reader.BUYER)

    async def for_agents(self, number: str) -> Dossier:
        return await self._gather(await self._tickets.get(number), Reader.AGENT)

    async def _gather(self, ticket: TicketRecord, reader: Reader) -> Dossier:
        now = self._clock()
        async with transaction(self._sessions, read_only=True) as session:
            messages = (
                await session.scalars(
                    select(TicketMessage)
                    .where(TicketMessage.ticket_id == ticket.id)
                    .order_by(TicketMessage.created_at, TicketMessage.id)
                )
            ).all()
            audit = (
                await session.scalars(
                    select(AuditEntry)
                    .where(AuditEntry.ticket_id == ticket.id)
                    .order_by(AuditEntry.created_at, AuditEntry.id)
                )
            ).all()
            names = {
                p.id: p.display_name
                for p in (await session.scalars(select(Person).where(Person.id.in_(
                    {m.author_id for m in messages if m.author_id} | {ticket.owner_id}
                )))).all()
            }  # fmt: skip
        conversation = tuple(
            Entry(
                m.created_at,
                m.author_kind,
                names.get(m.author_id) if reader is Reader.AGENT else None,
                m.text,  # the service's notices are stored as the plain text the buyer read
            )
            for m in messages
            if m.text and (reader is Reader.AGENT or m.author_kind is not AuthorKind.INTERNAL)
        )
        events = tuple(_event(entry) for entry in audit if entry.action in ("filed", "status"))
        return Dossier(
            reader=reader,
            ticket=ticket,
            owner_name=names.get(ticket.owner_id),
            events=events,
            deadlines=deadlines(ticket, now),
            conversation=conversation,
            rating=await self._tickets.rating_of(ticket.id),
            evidence=tuple(await self._evidence.of_ticket(ticket.id)),
            generated_at=now,
        )

    async def file_bytes(self, digest: str) -> bytes:
        return await self._evidence.store.get(digest)


def _event(entry: AuditEntry) -> Event:
    after = entry.after or {}
    status = after.get("status")
    return Event(
        entry.created_at, entry.action, TicketStatus(status) if status else None, entry.note
    )


def deadlines(ticket: TicketRecord, now: datetime) -> tuple[Deadline, ...]:
    """The three SLA steps against the ticket's current due times (reset by a reopen or an
    escalation), judged as the statistics judge them."""
    reviewed = ticket.accepted_at or ticket.rejected_at
    started = ticket.investigation_started_at or _result(ticket)
    steps = (
        ("review", ticket.accept_due_at, reviewed),
        ("investigation", ticket.investigate_due_at, started),
        ("result", ticket.resolve_due_at, _result(ticket)),
    )
    return tuple(Deadline(step, due, done, _verdict(due, done, now)) for step, due, done in steps)


def _result(ticket: TicketRecord) -> datetime | None:
    times = [moment for moment in (ticket.resolved_at, ticket.rejected_at) if moment]
    return max(times) if times else None


def _verdict(due: datetime, done: datetime | None, now: datetime) -> Verdict:
    if done is not None:
        return Verdict.KEPT if done <= due else Verdict.MISSED
    return Verdict.MISSED if now > due else Verdict.OPEN
