"""Merging: one ticket of a buyer folded into another of the same buyer.

The conversation and the evidence of the merged ticket are re-pointed at the target (every
moved row is named in the audit log), the merged ticket is closed with `merged_into` set, and
the statistics leave it out, so the buyer's complaint counts once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from bot.services.clock import Clock, utc_now
from bot.services.records import AttachmentRecord, TicketRecord
from storage import repositories as repo
from storage.db import SessionFactory, transaction
from storage.errors import DomainError, TicketNotFound
from storage.lifecycle import TicketStatus
from storage.models import AgentPrompt, Attachment, Ticket, TicketMessage
from storage.numbering import normalise_number


class MergeRefused(DomainError):
    """The merge is not possible; `reason` names why (a text key under `merge.refused_`)."""

    SAME = "same"
    OTHER_BUYER = "other_buyer"
    TARGET_CLOSED = "target_closed"
    ALREADY_MERGED = "already_merged"
    SOURCE_CLOSED = "source_closed"

    def __init__(self, reason: str, number: str) -> None:
        super().__init__(f"cannot merge into {number}: {reason}")
        self.reason = reason
        self.number = number


@dataclass(frozen=True, slots=True)
class MergeResult:
    """The merged ticket (now closed), the ticket it went into and what moved."""

    source: TicketRecord
    target: TicketRecord
    message_ids: tuple[int, ...]
    attachments: tuple[AttachmentRecord, ...]


class MergeService:
    """Folds a ticket into another; one transaction per merge."""

    def __init__(self, sessions: SessionFactory, *, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    async def merge(self, source_number: str, target_number: str, actor_id: int) -> MergeResult:
        """Moves the source's conversation and evidence to the target and closes the source."""
        source_number = normalise_number(source_number)
        target_number = normalise_number(target_number)
        if source_number == target_number:
            raise MergeRefused(MergeRefused.SAME, target_number)
        now = self._clock()
        async with transaction(self._sessions) as session:
            # Both rows locked in number order, so two merges never wait on each other.
            locked = {}
            for number in sorted((source_number, target_number)):
                ticket = await repo.ticket_by_number(session, number, for_update=True)
                if ticket is None:
                    raise TicketNotFound(number)
                locked[number] = ticket
            source, target = locked[source_number], locked[target_number]
            _check(source, target)
            message_ids = tuple(
                await session.scalars(
                    select(TicketMessage.id)
                    .where(TicketMessage.ticket_id == source.id)
                    .order_by(TicketMessage.id)
                )
            )
            moved = list(
                await session.scalars(
                    select(Attachment)
                    .where(Attachment.ticket_id == source.id)
                    .order_by(Attachment.id)
                )
            )
            await session.execute(
                update(TicketMessage)
                .where(TicketMessage.ticket_id == source.id)
                .values(ticket_id=target.id)
            )
            for attachment in moved:
                attachment.ticket_id = target.id
            # A question the bot asked about the merged ticket is answered by the merge.
            await session.execute(
                update(AgentPrompt)
                .where(AgentPrompt.ticket_id == source.id, AgentPrompt.answered_at.is_(None))
                .values(answered_at=now)
            )
            before = {"status": source.status.value}
            source.status = TicketStatus.CLOSED
            source.closed_at = now
            source.merged_into = target.number
            source.updated_at = now
            target.updated_at = now
            moved_ids = [attachment.id for attachment in moved]
            repo.record_change(
                session,
                action="merged",
                at=now,
                actor_id=actor_id,
                ticket_id=source.id,
                before=before,
                after={"status": source.status.value, "merged_into": target.number},
            )
            repo.record_change(
                session,
                action="merged_in",
                at=now,
                actor_id=actor_id,
                ticket_id=target.id,
                after={
                    "from": source.number,
                    "message_ids": list(message_ids),
                    "attachment_ids": moved_ids,
                },
            )
            await session.flush()
            return MergeResult(
                source=TicketRecord.of(source),
                target=TicketRecord.of(target),
                message_ids=message_ids,
                attachments=tuple(AttachmentRecord.of(row) for row in moved),
            )


def _check(source: Ticket, target: Ticket) -> None:
    if source.owner_id != target.owner_id:
        raise MergeRefused(MergeRefused.OTHER_BUYER, target.number)
    if source.merged_into is not None:
        raise MergeRefused(MergeRefused.ALREADY_MERGED, source.number)
    if source.status is TicketStatus.CLOSED:
        raise MergeRefused(MergeRefused.SOURCE_CLOSED, source.number)
    if target.merged_into is not None:
        raise MergeRefused(MergeRefused.ALREADY_MERGED, target.number)
    if target.status is TicketStatus.CLOSED:
        raise MergeRefused(MergeRefused.TARGET_CLOSED, target.number)
