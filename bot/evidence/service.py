"""What the rest of the service asks of the evidence store: a ticket's files, checks, totals."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import exists, func, select, update

from bot.evidence.store import EvidenceStore
from storage.db import SessionFactory, transaction
from storage.models import Attachment, EvidenceDownload, EvidenceFile, EvidenceState, Ticket


@dataclass(frozen=True, slots=True)
class StoredEvidence:
    """One attachment of a ticket with what the store knows about its file."""

    attachment_id: int
    kind: str
    caption: str | None
    sender_id: int | None
    received_at: object  # datetime
    state: EvidenceState
    sha256: str | None
    size: int | None
    media_type: str | None
    extension: str | None


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The result of re-hashing the store against the database."""

    checked: int
    missing: tuple[str, ...] = ()
    altered: tuple[str, ...] = ()
    unknown: tuple[str, ...] = field(default=())  # in the store, not in the database

    @property
    def ok(self) -> bool:
        return not self.missing and not self.altered


@dataclass(frozen=True, slots=True)
class StoreSize:
    files: int
    bytes: int
    pending: int


class EvidenceService:
    """Reads the evidence records and keeps the store and the database in step."""

    def __init__(self, sessions: SessionFactory, store: EvidenceStore) -> None:
        self._sessions, self.store = sessions, store

    async def of_ticket(self, ticket_id: int) -> list[StoredEvidence]:
        """The ticket's evidence in the order it arrived, stored or not."""
        query = (
            select(Attachment, EvidenceFile)
            .outerjoin(EvidenceFile, EvidenceFile.sha256 == Attachment.sha256)
            .where(Attachment.ticket_id == ticket_id)
            .order_by(Attachment.id)
        )
        async with transaction(self._sessions, read_only=True) as session:
            rows = (await session.execute(query)).all()
        return [
            StoredEvidence(
                attachment_id=a.id, kind=a.kind.value, caption=a.caption, sender_id=a.sender_id,
                received_at=a.created_at, state=a.evidence_state, sha256=a.sha256,
                size=f.size if f else None, media_type=f.media_type if f else None,
                extension=f.extension if f else None,
            )
            for a, f in rows
        ]  # fmt: skip

    async def size(self) -> StoreSize:
        """How many distinct files the store holds, their bytes, and downloads still queued."""
        async with transaction(self._sessions, read_only=True) as session:
            files, total = (
                await session.execute(
                    select(func.count(), func.coalesce(func.sum(EvidenceFile.size), 0))
                )
            ).one()
            pending = await session.scalar(select(func.count()).select_from(EvidenceDownload))
        return StoreSize(int(files), int(total), int(pending or 0))

    async def verify(self) -> VerifyReport:
        """Re-hashes every stored file: missing ones, altered ones, and strays are reported."""
        async with transaction(self._sessions, read_only=True) as session:
            known = set((await session.scalars(select(EvidenceFile.sha256))).all())
        missing, altered = [], []
        for digest in sorted(known):
            if not await self.store.exists(digest):
                missing.append(digest)
            elif hashlib.sha256(await self.store.get(digest)).hexdigest() != digest:
                altered.append(digest)
        unknown = sorted({d async for d in self.store.iterate()} - known)
        return VerifyReport(len(known), tuple(missing), tuple(altered), tuple(unknown))

    async def forget_anonymised(self) -> int:
        """Deletes the evidence of every anonymised ticket that still has some; idempotent, so
        a run interrupted after the anonymisation finishes the files next time."""
        query = select(Ticket.id).where(
            Ticket.anonymised_at.is_not(None),
            exists().where(
                Attachment.ticket_id == Ticket.id,
                Attachment.evidence_state != EvidenceState.DELETED,
            ),
        )
        async with transaction(self._sessions, read_only=True) as session:
            ids = (await session.scalars(query)).all()
        return await self.forget_tickets(ids)

    async def forget_tickets(self, ticket_ids: Iterable[int]) -> int:
        """Detaches the tickets' evidence and deletes every file no other ticket still uses;
        returns how many files were deleted from the store."""
        ids = list(ticket_ids)
        if not ids:
            return 0
        async with transaction(self._sessions) as session:
            digests = set(
                (
                    await session.scalars(
                        select(Attachment.sha256).where(
                            Attachment.ticket_id.in_(ids), Attachment.sha256.is_not(None)
                        )
                    )
                ).all()
            )
            queued = select(EvidenceDownload).where(
                EvidenceDownload.attachment_id.in_(
                    select(Attachment.id).where(Attachment.ticket_id.in_(ids))
                )
            )
            for download in (await session.scalars(queued)).all():
                await session.delete(download)
            await session.execute(
                update(Attachment)
                .where(Attachment.ticket_id.in_(ids))
                .values(sha256=None, evidence_state=EvidenceState.DELETED),
                execution_options={"synchronize_session": False},
            )
            still_used = set(
                (
                    await session.scalars(
                        select(Attachment.sha256).where(Attachment.sha256.in_(digests))
                    )
                ).all()
            )
            orphans = sorted(digests - still_used)
            for digest in orphans:
                row = await session.get(EvidenceFile, digest)
                if row is not None:
                    await session.delete(row)
        # The rows are gone first: a crash here leaves a stray file that verify reports,
        # never a record pointing at nothing.
        for digest in orphans:
            await self.store.delete(digest)
        return len(orphans)
