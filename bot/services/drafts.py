"""Intake drafts: the one intake each person has in progress, kept in the database."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from bot.services.clock import Clock, utc_now
from bot.services.records import DraftRecord
from storage.db import SessionFactory, dialect_insert, transaction
from storage.errors import DraftNotFound
from storage.models import IntakeDraft


class DraftService:
    """Saves, reads and expires intake drafts; each method is one transaction."""

    def __init__(self, sessions: SessionFactory, *, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    async def find(self, person_id: int) -> DraftRecord | None:
        """The person's draft, or None when no intake is in progress."""
        async with transaction(self._sessions, read_only=True) as session:
            draft = await session.get(IntakeDraft, person_id)
            return None if draft is None else DraftRecord.of(draft)

    async def get(self, person_id: int) -> DraftRecord:
        """The person's draft, or DraftNotFound."""
        draft = await self.find(person_id)
        if draft is None:
            raise DraftNotFound(person_id)
        return draft

    async def save(self, person_id: int, step: str, data: dict[str, Any]) -> DraftRecord:
        """Creates or replaces the person's draft (the person must exist)."""
        now = self._clock()
        async with transaction(self._sessions) as session:
            insert = dialect_insert(session)(IntakeDraft).values(
                person_id=person_id, step=step, data=dict(data), created_at=now, updated_at=now
            )
            upsert = insert.on_conflict_do_update(
                index_elements=[IntakeDraft.person_id],
                set_={
                    "step": insert.excluded.step,
                    "data": insert.excluded.data,
                    "updated_at": insert.excluded.updated_at,
                },
            ).returning(*IntakeDraft.__table__.columns)
            row = (await session.execute(upsert)).one()
            return DraftRecord.of(row)

    async def delete(self, person_id: int, *, unchanged_since: datetime | None = None) -> bool:
        """Drops the draft; with `unchanged_since`, only if not saved after that moment."""
        async with transaction(self._sessions) as session:
            query = delete(IntakeDraft).where(IntakeDraft.person_id == person_id)
            if unchanged_since is not None:
                query = query.where(IntakeDraft.updated_at <= unchanged_since)
            result = await session.execute(query)
            return result.rowcount > 0

    async def list_expired(self, older_than_hours: float) -> list[DraftRecord]:
        """Drafts not saved for `older_than_hours`, oldest first."""
        cutoff = self._clock() - timedelta(hours=older_than_hours)
        async with transaction(self._sessions, read_only=True) as session:
            query = (
                select(IntakeDraft)
                .where(IntakeDraft.updated_at < cutoff)
                .order_by(IntakeDraft.updated_at)
            )
            return [DraftRecord.of(draft) for draft in (await session.execute(query)).scalars()]
