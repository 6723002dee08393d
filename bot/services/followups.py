"""Buyer messages outside an intake: added to their ticket, never dropped.

A message goes to the ticket that waits for the buyer's reply, or to the buyer's only open
ticket; with several open tickets it is held (in the database) until the buyer says which
ticket it is for, or that it is new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from bot.services.intake_draft import Draft, Evidence, Step
from bot.services.records import TicketRecord
from bot.services.tickets import attachment_row
from storage import repositories as repo
from storage.db import SessionFactory, transaction
from storage.errors import DomainError, TicketNotFound
from storage.lifecycle import TicketStatus
from storage.models import (
    AttachmentKind,
    AuditEntry,
    AuthorKind,
    IntakeDraft,
    Ticket,
    TicketMessage,
)

MAX_CHOICES = 6
PLACED = "placed"  # held messages put into a ticket (audit log)
CLOSED = (TicketStatus.CLOSED,)


@dataclass(frozen=True, slots=True)
class Pending:
    """One buyer message whose ticket is not known yet."""

    chat_id: int
    message_id: int
    text: str | None
    evidence: Evidence | None = None
    shared: str | None = None  # a sticker, location, venue or contact: relayed as it is

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Pending:
        raw = data.get("evidence")
        evidence = Evidence(**{**raw, "kind": AttachmentKind(raw["kind"])}) if raw else None
        return cls(
            data["chat_id"], data["message_id"], data.get("text"), evidence, data.get("shared")
        )


@dataclass(frozen=True, slots=True)
class AddedToTicket:
    ticket: TicketRecord
    items: tuple[tuple[int, Pending], ...]  # conversation row ids with what they hold
    only_open: bool = False  # placed without asking: the buyer's one open ticket


@dataclass(frozen=True, slots=True)
class AskWhichTicket:
    tickets: tuple[TicketRecord, ...]
    token: str
    held: int


class NotHeld(DomainError):
    """The buyer's choice refers to held messages that are gone (already placed)."""


class FollowUpService:
    """Places buyer messages in tickets; each method is one transaction."""

    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions, self._clock = sessions, clock

    async def route(self, owner_id: int, pending: Pending) -> AddedToTicket | AskWhichTicket | None:
        """Adds the message to the waiting ticket or the only open one, or holds it and asks
        which; None: no open ticket."""
        async with transaction(self._sessions) as session:
            open_tickets = await _open_tickets(session, owner_id)
            if not open_tickets:
                return None
            waiting = [t for t in open_tickets if t.status is TicketStatus.WAITING_FOR_BUYER]
            if waiting:
                ids = await self._add(session, waiting[0], [pending])
                return AddedToTicket(TicketRecord.of(waiting[0]), ids)
            if len(open_tickets) == 1:
                ids = await self._add(session, open_tickets[0], [pending])
                return AddedToTicket(TicketRecord.of(open_tickets[0]), ids, only_open=True)
            return await self._hold(session, owner_id, pending, open_tickets)

    async def add_to(self, owner_id: int, number: str, pending: Pending) -> AddedToTicket:
        """Adds the message to the buyer's ticket they replied to."""
        async with transaction(self._sessions) as session:
            ticket = await _owned(session, owner_id, number)
            return AddedToTicket(
                TicketRecord.of(ticket), await self._add(session, ticket, [pending])
            )

    async def joined(self, pending: Pending) -> AddedToTicket | None:
        """The ticket the buyer's message was added to, or None (not added to any)."""
        query = (
            select(TicketMessage.id, Ticket)
            .join(Ticket, Ticket.id == TicketMessage.ticket_id)
            .where(
                TicketMessage.buyer_chat_id == pending.chat_id,
                TicketMessage.buyer_message_id == pending.message_id,
                TicketMessage.author_kind == AuthorKind.BUYER,
            )
        )
        async with transaction(self._sessions, read_only=True) as session:
            found = (await session.execute(query)).first()
            if found is None:
                return None
            row_id, ticket = found
            return AddedToTicket(TicketRecord.of(ticket), ((row_id, pending),))

    async def hold(self, owner_id: int, pending: Pending) -> AskWhichTicket:
        """Holds one more message while the buyer has not said which ticket they are for."""
        async with transaction(self._sessions) as session:
            return await self._hold(
                session, owner_id, pending, await _open_tickets(session, owner_id)
            )

    async def place(self, owner_id: int, token: str, number: str) -> AddedToTicket:
        """Adds the held messages to the buyer's own ticket `number`."""
        async with transaction(self._sessions) as session:
            row, draft = await _held(session, owner_id, token)
            ticket = await _owned(session, owner_id, number)
            ids = await self._add(session, ticket, [Pending.from_json(p) for p in draft.pending])
            await session.delete(row)
            held = [[i, _without_text(p)] for i, p in ids]
            repo.record_change(session, action=PLACED, at=self._clock(), actor_id=owner_id,
                               ticket_id=ticket.id, person_id=owner_id, note=token,
                               after={"items": held})  # fmt: skip
            return AddedToTicket(TicketRecord.of(ticket), ids)

    async def placed(self, owner_id: int, token: str) -> AddedToTicket | None:
        """What `place` added for the held messages `token`, or None (never placed): for a
        press whose relay and answer died with the process."""
        query = select(AuditEntry).where(AuditEntry.action == PLACED,
                                         AuditEntry.person_id == owner_id,
                                         AuditEntry.note == token)  # fmt: skip
        async with transaction(self._sessions, read_only=True) as session:
            entry = (await session.scalars(query.limit(1))).first()
            if entry is None or entry.ticket_id is None:
                return None
            ticket = await session.get_one(Ticket, entry.ticket_id)
            items = [(row_id, held) for row_id, held in entry.after["items"]]
            texts = dict(
                (await session.execute(
                    select(TicketMessage.id, TicketMessage.text)
                    .where(TicketMessage.id.in_([row_id for row_id, _ in items]))
                )).all()
            )  # fmt: skip
            return AddedToTicket(
                TicketRecord.of(ticket),
                tuple((i, Pending.from_json({**held, "text": texts.get(i)})) for i, held in items),
            )

    async def as_new_complaint(self, owner_id: int, token: str) -> str:
        """Turns the held messages into the start of a new intake; returns their text."""
        async with transaction(self._sessions) as session:
            row, draft = await _held(session, owner_id, token)
            held = [Pending.from_json(p) for p in draft.pending]
            fresh = Draft(evidence=[p.evidence for p in held if p.evidence][:10])
            row.step, row.data, row.updated_at = Step.DESCRIBE.value, fresh.to_json(), self._clock()
            return "\n".join(p.text for p in held if p.text)

    async def _hold(
        self, session: AsyncSession, owner_id: int, pending: Pending, tickets: Sequence[Ticket]
    ) -> AskWhichTicket:
        row = await session.get(IntakeDraft, owner_id, with_for_update=True)
        now = self._clock()
        if row is None:
            draft = Draft()
            row = IntakeDraft(person_id=owner_id, step=Step.ROUTE.value, data={}, created_at=now,
                              updated_at=now)  # fmt: skip
            session.add(row)
        else:
            draft = Draft.from_json(row.data)
        draft.pending.append(pending.to_json())
        row.data, row.updated_at = draft.to_json(), now
        records = tuple(TicketRecord.of(t) for t in tickets[:MAX_CHOICES])
        return AskWhichTicket(records, draft.token, len(draft.pending))

    async def _add(
        self, session: AsyncSession, ticket: Ticket, items: list[Pending]
    ) -> tuple[int, ...]:
        now, ids = self._clock(), []
        for item in items:
            message = TicketMessage(
                ticket_id=ticket.id, author_kind=AuthorKind.BUYER, author_id=ticket.owner_id,
                text=item.text, created_at=now, buyer_chat_id=item.chat_id,
                buyer_message_id=item.message_id,
            )  # fmt: skip
            session.add(message)
            await session.flush()
            ids.append((message.id, item))
            if item.evidence is not None:
                session.add(
                    attachment_row(
                        ticket.id, item.evidence, message.id, now, sender_id=ticket.owner_id
                    )
                )
        ticket.updated_at = now
        return tuple(ids)


def _without_text(pending: Pending) -> dict[str, Any]:
    """What the audit log keeps of a placed message: where it is, not what it says (that is
    in the ticket's record, where anonymisation finds it)."""
    held = {**pending.to_json(), "text": None}
    if held["evidence"] is not None:
        held["evidence"] = {**held["evidence"], "caption": None}
    return held


async def _owned(session: AsyncSession, owner_id: int, number: str) -> Ticket:
    """The buyer's ticket `number`; a merged one stands for the ticket it went into."""
    ticket = await session.scalar(
        select(Ticket).where(Ticket.number == number, Ticket.owner_id == owner_id)
    )
    for _ in range(8):  # a merged ticket's target may itself have been merged later
        if ticket is None or ticket.merged_into is None:
            break
        ticket = await session.scalar(select(Ticket).where(Ticket.number == ticket.merged_into))
    if ticket is None:
        raise TicketNotFound(number)
    return ticket


async def _open_tickets(session: AsyncSession, owner_id: int) -> Sequence[Ticket]:
    query = (
        select(Ticket)
        .where(Ticket.owner_id == owner_id, Ticket.status.not_in(CLOSED))
        .order_by(Ticket.updated_at.desc())
    )
    return (await session.scalars(query)).all()


async def _held(session: AsyncSession, owner_id: int, token: str) -> tuple[IntakeDraft, Draft]:
    row = await session.get(IntakeDraft, owner_id, with_for_update=True)
    draft = Draft.from_json(row.data) if row else None
    if row is None or draft is None or row.step != Step.ROUTE.value or draft.token != token:
        raise NotHeld(token)
    return row, draft
