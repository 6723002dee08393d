"""Ticket use cases: filing, reading, status changes, conversation, evidence and ratings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.evidence.downloads import queued
from bot.services.clock import Clock, utc_now
from bot.services.records import (
    AttachmentRecord,
    EvidenceLike,
    MessageRecord,
    NewTicket,
    RatingRecord,
    TicketRecord,
)
from bot.services.sla import DueTimes, SlaHours, due_times
from storage import repositories as repo
from storage.db import SessionFactory, transaction
from storage.errors import (
    InvalidRating,
    InvalidTransition,
    PersonBlocked,
    PersonNotFound,
    TicketNotFound,
)
from storage.lifecycle import RATEABLE, TicketStatus, check_transition
from storage.models import (
    Attachment,
    AuthorKind,
    Person,
    Priority,
    Rating,
    Resolution,
    Ticket,
    TicketMessage,
)
from storage.numbering import next_number, normalise_number


class Assigner(Protocol):
    """Picks the agent of a new ticket inside the filing transaction (assignment rules)."""

    async def assign_new(self, session: AsyncSession, ticket: Ticket) -> int | None: ...


# The step time each status sets when a ticket enters it.
_STEP_TIME = {
    TicketStatus.ACCEPTED: "accepted_at",
    TicketStatus.INVESTIGATING: "investigation_started_at",
    TicketStatus.WAITING_FOR_BUYER: "info_requested_at",
    TicketStatus.RESOLVED: "resolved_at",
    TicketStatus.REJECTED: "rejected_at",
    TicketStatus.CLOSED: "closed_at",
    TicketStatus.REOPENED: "reopened_at",
    TicketStatus.ESCALATED: "escalated_at",
}


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One change of a ticket's status, as the audit log has it."""

    ticket: TicketRecord  # as the change left it
    old: TicketStatus
    note: str | None


class TicketService:
    """Tickets from filing to rating.

    Each method is one transaction of its own, except those taking a `session`, which join
    the caller's so that another service's use case can include them.
    """

    def __init__(
        self,
        sessions: SessionFactory,
        *,
        clock: Clock = utc_now,
        sla: SlaHours | None = None,
        timezone: str = "Asia/Shanghai",
        assigner: Assigner | None = None,
    ) -> None:
        self._sessions = sessions
        self._assigner = assigner
        self._clock = clock
        self._sla = sla or SlaHours()
        self._timezone = ZoneInfo(timezone)

    async def file_ticket(
        self,
        owner_id: int,
        *,
        category: str,
        description: str | None,
        category_confidence: float | None = None,
        platform: str | None = None,
        order_number: str | None = None,
        shop: str | None = None,
        desired_resolution: Resolution | None = None,
        priority: Priority = Priority.NORMAL,
        attachments: Sequence[EvidenceLike] = (),
    ) -> TicketRecord:
        """Files a ticket with a fresh number and SLA due times; the owner must be known."""
        new = NewTicket(
            owner_id=owner_id,
            category=category,
            description=description,
            confidence=category_confidence,
            platform=platform,
            order_number=order_number,
            shop=shop,
            desired_resolution=desired_resolution,
            priority=priority,
            evidence=attachments,
        )
        async with transaction(self._sessions) as session:
            return TicketRecord.of(await self.file_in(session, new))

    async def file_in(self, session: AsyncSession, new: NewTicket) -> Ticket:
        """Files a ticket inside the caller's transaction (e.g. with the intake draft's removal)."""
        now = self._clock()
        owner = await session.get(Person, new.owner_id)
        if owner is None:
            raise PersonNotFound(new.owner_id)
        if owner.is_blocked:
            raise PersonBlocked(new.owner_id)
        resolution = new.desired_resolution
        ticket = Ticket(
            number=await next_number(session, now, self._timezone),
            owner_id=new.owner_id,
            category=new.category,
            category_confidence=new.confidence,
            model_category=new.model_category,
            model_confidence=new.model_confidence,
            platform=new.platform,
            order_number=new.order_number,
            shop=new.shop,
            desired_resolution=None if resolution is None else Resolution(resolution),
            description=new.description,
            status=TicketStatus.NEW,
            priority=new.priority,
            intake_token=new.intake_token,
            filed_at=now,
            updated_at=now,
        )
        _set_due(ticket, due_times(now, self._sla))
        session.add(ticket)
        await session.flush()
        session.add_all(
            attachment_row(ticket.id, item, None, now, sender_id=new.owner_id)
            for item in new.evidence
        )
        repo.record_change(
            session,
            action="filed",
            at=now,
            actor_id=new.owner_id,
            ticket_id=ticket.id,
            after={"status": ticket.status.value, "category": new.category},
        )
        if self._assigner is not None:
            await self._assigner.assign_new(session, ticket)
        await session.flush()
        return ticket

    async def find_by_intake_token(
        self, session: AsyncSession, owner_id: int, token: str
    ) -> Ticket | None:
        """Inside the caller's transaction: the ticket an intake already filed."""
        return await repo.ticket_by_intake_token(session, owner_id, token)

    async def submitted_again(
        self, session: AsyncSession, ticket: Ticket, owner_id: int, token: str
    ) -> None:
        """Inside the caller's transaction: the intake `token` was the open `ticket` again."""
        repo.record_change(session, action=repo.SUBMITTED_AGAIN, at=self._clock(),
                           actor_id=owner_id, ticket_id=ticket.id, person_id=owner_id,
                           note=token)  # fmt: skip

    async def find_submitted_again(
        self, session: AsyncSession, owner_id: int, token: str
    ) -> Ticket | None:
        """Inside the caller's transaction: the open ticket the intake `token` was again."""
        return await repo.ticket_submitted_again(session, owner_id, token)

    async def find_recent_duplicate(
        self,
        session: AsyncSession,
        owner_id: int,
        category: str,
        order_number: str | None,
        *,
        since: datetime,
    ) -> Ticket | None:
        """Inside the caller's transaction: an open ticket with the same category and order."""
        return await repo.open_duplicate(session, owner_id, category, order_number, since)

    async def get(self, number: str) -> TicketRecord:
        """Any ticket by number, for agents."""
        async with transaction(self._sessions, read_only=True) as session:
            return TicketRecord.of(await _existing(session, number))

    async def get_for_owner(self, owner_id: int, number: str) -> TicketRecord:
        """The owner's ticket; someone else's number is as unknown as one never issued."""
        number = normalise_number(number)
        async with transaction(self._sessions, read_only=True) as session:
            ticket = await repo.ticket_of_owner(session, owner_id, number)
            if ticket is None:
                raise TicketNotFound(number)
            return TicketRecord.of(ticket)

    async def list_for_owner(self, owner_id: int, *, limit: int = 20) -> list[TicketRecord]:
        """The owner's tickets, newest first."""
        async with transaction(self._sessions, read_only=True) as session:
            tickets = await repo.tickets_of_owner(session, owner_id, limit)
            return [TicketRecord.of(ticket) for ticket in tickets]

    async def without_card(self, *, limit: int = 50) -> list[TicketRecord]:
        """Open tickets not yet shown in the agents' group, oldest first."""
        async with transaction(self._sessions, read_only=True) as session:
            query = (
                select(Ticket)
                .where(Ticket.group_card_message_id.is_(None), Ticket.status != TicketStatus.CLOSED)
                .order_by(Ticket.filed_at)
                .limit(limit)
            )
            return [TicketRecord.of(ticket) for ticket in await session.scalars(query)]

    async def overview_for_owner(
        self, owner_id: int, *, limit: int = 10
    ) -> list[tuple[TicketRecord, str | None]]:
        """The owner's tickets, newest first, each with the latest news the buyer was sent."""
        async with transaction(self._sessions, read_only=True) as session:
            tickets = await repo.tickets_of_owner(session, owner_id, limit)
            return [
                (TicketRecord.of(ticket), await repo.latest_public_text(session, ticket.id))
                for ticket in tickets
            ]

    async def latest_public_text(self, ticket_id: int) -> str | None:
        """The last thing the support side told the buyer about this ticket."""
        async with transaction(self._sessions, read_only=True) as session:
            return await repo.latest_public_text(session, ticket_id)

    async def change_status(
        self,
        number: str,
        new_status: TicketStatus,
        actor_id: int | None,
        note: str | None = None,
    ) -> TicketRecord:
        """Moves a ticket to `new_status` and logs it; an invalid move changes nothing."""
        new_status = TicketStatus(new_status)
        now = self._clock()
        async with transaction(self._sessions) as session:
            ticket = await _existing(session, number, for_update=True)
            old_status = ticket.status
            if ticket.merged_into is not None:  # folded into another ticket: final
                raise InvalidTransition(old_status, new_status)
            check_transition(old_status, new_status)
            if not (
                new_status is TicketStatus.INVESTIGATING
                and old_status is TicketStatus.WAITING_FOR_BUYER
            ):  # resuming after the buyer's answer keeps the time investigation started
                setattr(ticket, _STEP_TIME[new_status], now)
            if new_status is TicketStatus.REOPENED:
                _set_due(ticket, due_times(now, self._sla))
            elif new_status is TicketStatus.ESCALATED:
                _set_due(ticket, due_times(now, self._sla.halved()))
            ticket.status = new_status
            ticket.updated_at = now
            repo.record_change(
                session,
                action="status",
                at=now,
                actor_id=actor_id,
                ticket_id=ticket.id,
                before={"status": old_status.value},
                after={"status": new_status.value},
                note=note,
            )
            return TicketRecord.of(ticket)

    async def status_changes_during(self, update_id: int, actor_id: int) -> list[StatusChange]:
        """The status changes `actor_id` made while the update `update_id` was handled (or
        since it arrived), each with the ticket as that change left it."""
        async with transaction(self._sessions, read_only=True) as session:
            changes = []
            for entry in await repo.status_changes_during(session, update_id, actor_id):
                ticket = TicketRecord.of(await session.get_one(Ticket, entry.ticket_id))
                status = TicketStatus((entry.after or {}).get("status", ticket.status))
                changes.append(StatusChange(
                    replace(ticket, status=status, updated_at=entry.created_at),
                    TicketStatus((entry.before or {}).get("status", status)), entry.note,
                ))  # fmt: skip
            return changes

    async def answers_during(
        self, update_id: int, agent_id: int
    ) -> list[tuple[TicketRecord, MessageRecord]]:
        """The answers `agent_id` stored while the update `update_id` was handled (or since
        it arrived), each with its ticket."""
        async with transaction(self._sessions, read_only=True) as session:
            return [
                (TicketRecord.of(await session.get_one(Ticket, row.ticket_id)),
                 MessageRecord.of(row))
                for row in await repo.messages_during(session, update_id, agent_id)
                if row.author_kind is AuthorKind.AGENT
            ]  # fmt: skip

    async def assign(
        self, number: str, assignee_id: int | None, actor_id: int | None
    ) -> TicketRecord:
        """Gives the ticket to an agent (None takes it back) and logs it."""
        return await self._set(number, "assigned", "assignee_id", assignee_id, actor_id)

    async def set_priority(
        self, number: str, priority: Priority, actor_id: int | None
    ) -> TicketRecord:
        """Changes the ticket's priority and logs it."""
        return await self._set(number, "priority", "priority", priority, actor_id)

    async def _set(
        self, number: str, action: str, column: str, value: Any, actor_id: int | None
    ) -> TicketRecord:
        """Sets one column of the ticket, with an audit entry of its value before and after."""
        now = self._clock()
        async with transaction(self._sessions) as session:
            ticket = await _existing(session, number, for_update=True)
            before = getattr(ticket, column)
            setattr(ticket, column, value)
            ticket.updated_at = now
            repo.record_change(
                session,
                action=action,
                at=now,
                actor_id=actor_id,
                ticket_id=ticket.id,
                before={column: _audited(before)},
                after={column: _audited(value)},
            )
            return TicketRecord.of(ticket)

    async def add_message(
        self,
        number: str,
        *,
        author_kind: AuthorKind,
        text: str | None,
        author_id: int | None = None,
        buyer_chat_id: int | None = None,
        buyer_message_id: int | None = None,
        group_chat_id: int | None = None,
        group_message_id: int | None = None,
    ) -> MessageRecord:
        """Adds a message to the conversation with its Telegram ids on each side it appears."""
        now = self._clock()
        async with transaction(self._sessions) as session:
            ticket = await _existing(session, number)
            message = TicketMessage(
                ticket_id=ticket.id,
                author_kind=author_kind,
                author_id=author_id,
                text=text,
                created_at=now,
                buyer_chat_id=buyer_chat_id,
                buyer_message_id=buyer_message_id,
                group_chat_id=group_chat_id,
                group_message_id=group_message_id,
            )
            session.add(message)
            await session.flush()
            return MessageRecord.of(message)

    async def place_message(
        self,
        message_id: int,
        *,
        group: tuple[int, int] | None = None,
        buyer: tuple[int, int] | None = None,
    ) -> None:
        """Records where a conversation message was relayed: (chat id, message id) per side."""
        async with transaction(self._sessions) as session:
            message = await session.get_one(TicketMessage, message_id, with_for_update=True)
            if group is not None:
                message.group_chat_id, message.group_message_id = group
            if buyer is not None:
                message.buyer_chat_id, message.buyer_message_id = buyer

    async def message(self, message_id: int) -> MessageRecord:
        """One conversation message by its id."""
        async with transaction(self._sessions, read_only=True) as session:
            return MessageRecord.of(await session.get_one(TicketMessage, message_id))

    async def find_message(self, chat_id: int, message_id: int) -> MessageRecord | None:
        """The conversation message that is (chat_id, message_id) on either side."""
        async with transaction(self._sessions, read_only=True) as session:
            message = await repo.message_by_telegram_id(session, chat_id, message_id)
            return None if message is None else MessageRecord.of(message)

    async def find_ticket_by_message(self, chat_id: int, message_id: int) -> TicketRecord | None:
        """The ticket a relayed message or a ticket card in the agents' group belongs to."""
        async with transaction(self._sessions, read_only=True) as session:
            message = await repo.message_by_telegram_id(session, chat_id, message_id)
            if message is not None:
                return TicketRecord.of(await session.get_one(Ticket, message.ticket_id))
            ticket = await repo.ticket_by_card(session, chat_id, message_id)
            return None if ticket is None else TicketRecord.of(ticket)

    async def find_ticket_by_topic(self, chat_id: int, topic_id: int) -> TicketRecord | None:
        """The ticket whose forum topic this is."""
        async with transaction(self._sessions, read_only=True) as session:
            ticket = await repo.ticket_by_topic(session, chat_id, topic_id)
            return None if ticket is None else TicketRecord.of(ticket)

    async def recent_conversation(self, number: str, *, limit: int = 6) -> list[MessageRecord]:
        """The ticket's latest messages with words in them, oldest first."""
        async with transaction(self._sessions, read_only=True) as session:
            ticket = await _existing(session, number)
            query = (
                select(TicketMessage)
                .where(TicketMessage.ticket_id == ticket.id, TicketMessage.text.is_not(None))
                .order_by(TicketMessage.id.desc())
                .limit(limit)
            )
            rows = list(await session.scalars(query))
            return [MessageRecord.of(row) for row in reversed(rows)]

    async def find_ticket_by_buyer_topic(self, owner_id: int, topic_id: int) -> TicketRecord | None:
        """The buyer's ticket whose topic this is in their private chat."""
        async with transaction(self._sessions, read_only=True) as session:
            ticket = await repo.ticket_by_buyer_topic(session, owner_id, topic_id)
            return None if ticket is None else TicketRecord.of(ticket)

    async def set_buyer_topic(self, number: str, topic_id: int | None) -> TicketRecord:
        """Remembers the ticket's topic in the buyer's private chat (None: it has none)."""
        async with transaction(self._sessions) as session:
            ticket = await _existing(session, number, for_update=True)
            ticket.buyer_topic_id = topic_id
            return TicketRecord.of(ticket)

    async def set_group_thread(
        self,
        number: str,
        *,
        chat_id: int,
        topic_id: int | None,
        card_message_id: int | None,
    ) -> TicketRecord:
        """Remembers where the ticket lives in the agents' group: its topic and its card."""
        async with transaction(self._sessions) as session:
            ticket = await _existing(session, number, for_update=True)
            ticket.group_chat_id = chat_id
            ticket.group_topic_id = topic_id
            ticket.group_card_message_id = card_message_id
            return TicketRecord.of(ticket)

    async def add_attachment(
        self,
        number: str,
        attachment: EvidenceLike,
        *,
        ticket_message_id: int | None = None,
        sender_id: int | None = None,
    ) -> AttachmentRecord:
        """Stores a piece of evidence, optionally tied to the conversation message it came with;
        the sender is the ticket's owner unless said otherwise (an agent)."""
        now = self._clock()
        async with transaction(self._sessions) as session:
            ticket = await _existing(session, number)
            sender = ticket.owner_id if sender_id is None else sender_id
            row = attachment_row(ticket.id, attachment, ticket_message_id, now, sender_id=sender)
            session.add(row)
            await session.flush()
            return AttachmentRecord.of(row)

    async def list_attachments(self, number: str) -> list[AttachmentRecord]:
        """The ticket's evidence in the order it arrived."""
        async with transaction(self._sessions, read_only=True) as session:
            ticket = await _existing(session, number)
            query = select(Attachment).where(Attachment.ticket_id == ticket.id)
            rows = (await session.execute(query.order_by(Attachment.id))).scalars()
            return [AttachmentRecord.of(row) for row in rows]

    async def rating_of(self, ticket_id: int) -> RatingRecord | None:
        """The buyer's rating of the ticket, if they gave one."""
        async with transaction(self._sessions, read_only=True) as session:
            rating = await session.scalar(select(Rating).where(Rating.ticket_id == ticket_id))
            return None if rating is None else RatingRecord.of(rating)

    async def rate(
        self, owner_id: int, number: str, score: int, comment: str | None = None
    ) -> RatingRecord:
        """Records (or replaces) the owner's 1-5 rating of a decided ticket."""
        if not 1 <= score <= 5:
            raise InvalidRating("a rating is a whole number from 1 to 5")
        number = normalise_number(number)
        now = self._clock()
        async with transaction(self._sessions) as session:
            ticket = await repo.ticket_of_owner(session, owner_id, number, for_update=True)
            if ticket is None:
                raise TicketNotFound(number)
            if ticket.status not in RATEABLE or ticket.merged_into is not None:
                raise InvalidRating(f"a {ticket.status.value} ticket cannot be rated yet")
            rating = await session.scalar(select(Rating).where(Rating.ticket_id == ticket.id))
            before = None if rating is None else {"score": rating.score}
            if rating is None:
                rating = Rating(ticket_id=ticket.id, created_at=now)
                session.add(rating)
            rating.score = score
            rating.comment = comment
            rating.updated_at = now
            repo.record_change(
                session,
                action="rated",
                at=now,
                actor_id=owner_id,
                ticket_id=ticket.id,
                before=before,
                after={"score": score},
            )
            await session.flush()
            return RatingRecord.of(rating)


async def _existing(session: AsyncSession, number: str, *, for_update: bool = False) -> Ticket:
    number = normalise_number(number)
    ticket = await repo.ticket_by_number(session, number, for_update=for_update)
    if ticket is None:
        raise TicketNotFound(number)
    return ticket


def _set_due(ticket: Ticket, due: DueTimes) -> None:
    ticket.accept_due_at = due.accept
    ticket.investigate_due_at = due.investigate
    ticket.resolve_due_at = due.resolve


def attachment_row(
    ticket_id: int,
    item: EvidenceLike,
    ticket_message_id: int | None,
    now: datetime,
    *,
    sender_id: int | None,
) -> Attachment:
    """A piece of evidence with its download queued in the same transaction."""
    return Attachment(
        ticket_id=ticket_id,
        ticket_message_id=ticket_message_id,
        kind=item.kind,
        file_id=item.file_id,
        file_unique_id=item.file_unique_id,
        file_size=item.file_size,
        mime_type=item.mime_type,
        caption=item.caption,
        created_at=now,
        sender_id=sender_id,
        download=queued(now),
    )


def _audited(value: Any) -> Any:
    """An enum as its code, so the audit log stays plain JSON."""
    return value.value if isinstance(value, Enum) else value
