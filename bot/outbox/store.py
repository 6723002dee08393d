"""The outbox table: items in the order they were queued, per lane, each sent once.

Lanes: `group` (the agents' group) and `buyer:<chat id>` (one per Telegram buyer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from bot.services.clock import Clock, utc_now
from storage.db import SessionFactory, dialect_insert, transaction
from storage.effects import finish_with
from storage.models import OutboxMessage

GROUP = "group"
BUYER_PREFIX = "buyer:"


def buyer_lane(chat_id: int) -> str:
    return f"{BUYER_PREFIX}{chat_id}"


@dataclass(frozen=True)
class OutboxItem:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    not_before: datetime | None


class OutboxStore:
    """Queues items and hands the oldest unsent one of a lane to the worker."""

    def __init__(self, sessions: SessionFactory, clock: Clock = utc_now) -> None:
        self._sessions, self._clock = sessions, clock

    async def enqueue(
        self, kind: str, payload: dict[str, Any], *, dedupe: str | None = None, lane: str = GROUP
    ) -> bool:
        """Queues an item; with `dedupe`, an item queued before under that key wins (False)."""
        values = {
            "lane": lane, "kind": kind, "payload": payload, "dedupe_key": dedupe,
            "created_at": self._clock(), "attempts": 0,
        }  # fmt: skip
        async with transaction(self._sessions) as session:
            insert = dialect_insert(session)(OutboxMessage).values(**values)
            if dedupe is not None:
                insert = insert.on_conflict_do_nothing(index_elements=["dedupe_key"])
            result = await session.execute(insert)
            return bool(result.rowcount)

    async def enqueue_all(
        self,
        lane: str,
        items: list[tuple[str, dict[str, Any]]],
        *,
        finishes_update: bool = False,
        dedupe: str | None = None,
    ) -> bool:
        """Queues the items in order in one transaction; with `finishes_update`, the update
        being handled is stamped done in it too (storage/effects.py): queued exactly once.
        With `dedupe` (held by the first item), items queued before under that key win and
        none of these is queued (False)."""
        now = self._clock()
        rows = [{"lane": lane, "kind": kind, "payload": payload, "created_at": now,
                 "attempts": 0} for kind, payload in items]  # fmt: skip
        queued = True
        async with transaction(self._sessions) as session:
            insert = dialect_insert(session)
            if rows and dedupe is not None:
                first = insert(OutboxMessage).values(**rows[0], dedupe_key=dedupe)
                result = await session.execute(
                    first.on_conflict_do_nothing(index_elements=["dedupe_key"])
                )
                queued, rows = bool(result.rowcount), rows[1:]
            if rows and queued:
                await session.execute(insert(OutboxMessage).values(rows))
            if finishes_update:
                await finish_with(session)
        return queued

    async def pending_lanes(self, prefix: str) -> list[str]:
        """The lanes starting with `prefix` that have something unsent, oldest first."""
        query = (
            select(OutboxMessage.lane, func.min(OutboxMessage.id))
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.lane.startswith(prefix))
            .group_by(OutboxMessage.lane)
            .order_by(func.min(OutboxMessage.id))
        )
        async with transaction(self._sessions, read_only=True) as session:
            return [lane for lane, _ in (await session.execute(query)).all()]

    async def queued(self, dedupe_keys: list[str]) -> set[str]:
        """Which of these keys were ever queued (sent or not)."""
        if not dedupe_keys:
            return set()
        query = select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(dedupe_keys))
        async with transaction(self._sessions, read_only=True) as session:
            return set((await session.scalars(query)).all())

    async def head(self, lane: str = GROUP) -> OutboxItem | None:
        """The oldest item of the lane not sent yet: nothing behind it goes first."""
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.lane == lane, OutboxMessage.sent_at.is_(None))
            .order_by(OutboxMessage.id)
            .limit(1)
        )
        async with transaction(self._sessions, read_only=True) as session:
            row = (await session.scalars(query)).first()
            if row is None:
                return None
            return OutboxItem(row.id, row.kind, row.payload, row.attempts, row.not_before)

    async def backlog(self, lane: str = GROUP) -> int:
        query = select(func.count()).where(
            OutboxMessage.lane == lane, OutboxMessage.sent_at.is_(None)
        )
        async with transaction(self._sessions, read_only=True) as session:
            return int((await session.execute(query)).scalar_one())

    async def sent(
        self, item_id: int, error: str | None = None, *, message_id: int | None = None
    ) -> None:
        """Done with the item: sent (as `message_id`), or given up on with the reason in
        `error`."""
        values: dict[str, Any] = {"sent_at": self._clock(), "message_id": message_id}
        if error is not None:
            values["last_error"] = error[:300]
        await self._set(item_id, **values)

    async def retry_at(self, item_id: int, when: datetime, error: str) -> None:
        await self._set(
            item_id, not_before=when, attempts=OutboxMessage.attempts + 1, last_error=error[:300]
        )

    async def _set(self, item_id: int, **values: Any) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == item_id).values(**values)
            )
