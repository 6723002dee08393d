"""The outbox table: items in the order they were queued, per lane, each sent once.

Lanes: `group` (the agents' group) and `buyer:<chat id>` (one per Telegram buyer).
Where one process owns the database (`exclusive`), the lanes are followed in memory as well
(storage/known.py), so the worker is handed what was queued instead of reading it back."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock, utc_now
from storage.db import SessionFactory, dialect_insert, run_as_part_of, transaction, when_committed
from storage.effects import confirm_done, core_writer, finish_with
from storage.known import KnownQueues
from storage.models import OutboxMessage

GROUP = "group"
TABLE = OutboxMessage.__table__  # the hot statements are Core (storage/effects.py core_writer)
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


READ_AHEAD = 16  # items of a lane read at once; a lane shorter than that is then known


class OutboxStore:
    """Queues items and hands the oldest unsent one of a lane to the worker."""

    def __init__(
        self, sessions: SessionFactory, clock: Clock = utc_now, *, exclusive: bool = False
    ) -> None:
        self._sessions, self._clock = sessions, clock
        self._known: KnownQueues[str, OutboxItem] | None = (
            KnownQueues(_item_id) if exclusive else None
        )

    async def enqueue(
        self, kind: str, payload: dict[str, Any], *, dedupe: str | None = None, lane: str = GROUP
    ) -> bool:
        """Queues an item; with `dedupe`, an item queued before under that key wins (False)."""
        values = {
            "lane": lane, "kind": kind, "payload": payload, "dedupe_key": dedupe,
            "created_at": self._clock(), "attempts": 0,
        }  # fmt: skip
        async with transaction(self._sessions) as session:
            insert = dialect_insert(session)(TABLE).values(**values)
            if dedupe is not None:
                insert = insert.on_conflict_do_nothing(index_elements=["dedupe_key"])
            writer = await core_writer(session)
            item_id = (await writer.execute(insert.returning(TABLE.c.id))).scalar()
        if item_id is not None:
            self._after_commit(lambda: self._queued(lane, [item_id], [(kind, payload)]))
        return item_id is not None

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
        ids: list[int] = []
        queued = True
        async with transaction(self._sessions) as session:
            insert = dialect_insert(session)
            if rows:
                writer = await core_writer(session)
            if rows and dedupe is not None:
                first = insert(TABLE).values(**rows[0], dedupe_key=dedupe)
                first_id = (await writer.execute(
                    first.on_conflict_do_nothing(index_elements=["dedupe_key"])
                    .returning(TABLE.c.id)
                )).scalar()  # fmt: skip
                queued, rows = first_id is not None, rows[1:]
                ids = [first_id] if queued else []
            if rows and queued:
                ids += list((await writer.scalars(
                    insert(TABLE).values(rows).returning(TABLE.c.id)
                )).all())  # fmt: skip
            finished = await finish_with(session) if finishes_update else None
        if finished is not None and not when_committed(partial(confirm_done, finished)):
            confirm_done(finished)
        if ids:
            self._after_commit(lambda: self._queued(lane, ids, items))
        return queued

    def _queued(self, lane: str, ids: list[int], items: list[tuple[str, dict[str, Any]]]) -> None:
        if self._known is None:
            return
        # ids grow in the order of the rows; each payload as the table keeps it (JSON)
        self._known.queued(lane, [
            OutboxItem(item_id, kind, json.loads(json.dumps(payload)), 0, None)
            for item_id, (kind, payload) in zip(sorted(ids), items, strict=True)
        ])  # fmt: skip

    def _after_commit(self, action: Callable[[], None]) -> None:
        """Memory follows the table once the write is committed (now, or after the
        transaction this one is part of)."""
        if self._known is not None and not when_committed(action):
            action()

    async def pending_lanes(self, prefix: str) -> list[str]:
        """The lanes starting with `prefix` that have something unsent, oldest first."""
        query = (
            select(OutboxMessage.lane, func.min(OutboxMessage.id))
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.lane.startswith(prefix))
            .group_by(OutboxMessage.lane)
            .order_by(func.min(OutboxMessage.id))
        )
        async with transaction(self._sessions, read_only=True) as session:
            lanes = [lane for lane, _ in (await session.execute(query)).all()]
        if self._known is not None:
            for lane in lanes:  # unsent in the table while memory has it empty: read again
                if self._known.empty(lane):
                    self._known.forget(lane)
        return lanes

    async def queued(self, dedupe_keys: list[str]) -> set[str]:
        """Which of these keys were ever queued (sent or not)."""
        if not dedupe_keys:
            return set()
        query = select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(dedupe_keys))
        async with transaction(self._sessions, read_only=True) as session:
            return set((await session.scalars(query)).all())

    async def head(self, lane: str = GROUP) -> OutboxItem | None:
        """The oldest item of the lane not sent yet: nothing behind it goes first."""
        if self._known is not None:
            known, item = self._known.head(lane)
            if known:
                return item
            self._known.reading(lane)
        try:
            async with transaction(self._sessions, read_only=True) as session:
                items = await self._unsent(session, lane)
        except BaseException:
            if self._known is not None:
                self._known.unread(lane)
            raise
        return self._read(lane, items)

    async def _unsent(self, session: AsyncSession, lane: str) -> list[OutboxItem]:
        query = (
            select(TABLE.c.id, TABLE.c.kind, TABLE.c.payload, TABLE.c.attempts,
                   TABLE.c.not_before)
            .where(TABLE.c.lane == lane, TABLE.c.sent_at.is_(None))
            .order_by(TABLE.c.id)
            .limit(1 if self._known is None else READ_AHEAD)
        )  # fmt: skip
        connection = await session.connection()
        return [OutboxItem(*row) for row in (await connection.execute(query)).all()]

    def _read(self, lane: str, items: list[OutboxItem]) -> OutboxItem | None:
        """The head of what was read (after the commit), remembered when it is all."""
        if self._known is not None:
            if len(items) < READ_AHEAD:
                self._known.read(lane, items)
            else:
                self._known.unread(lane)
                self._known.forget(lane)
        return items[0] if items else None

    async def unsent_payloads(self, kind: str) -> list[dict[str, Any]]:
        """The payloads of the items of `kind` not sent yet, in any lane."""
        query = select(OutboxMessage.payload).where(
            OutboxMessage.kind == kind, OutboxMessage.sent_at.is_(None)
        )
        async with transaction(self._sessions, read_only=True) as session:
            return list((await session.scalars(query)).all())

    async def follows_unsent(self, followup_kind: str, lane: str = GROUP) -> bool:
        """Whether an item of the lane not recorded as sent yet runs a follow-up of
        `followup_kind` once posted (it may be in Telegram already, its id not yet kept)."""
        query = select(OutboxMessage.payload).where(
            OutboxMessage.lane == lane, OutboxMessage.sent_at.is_(None)
        )
        async with transaction(self._sessions, read_only=True) as session:
            payloads = (await session.scalars(query)).all()
        return any(
            (payload.get("after") or {}).get("kind") == followup_kind for payload in payloads
        )

    async def backlog(self, lane: str = GROUP) -> int:
        query = select(func.count()).where(
            OutboxMessage.lane == lane, OutboxMessage.sent_at.is_(None)
        )
        async with transaction(self._sessions, read_only=True) as session:
            return int((await session.execute(query)).scalar_one())

    async def sent(
        self,
        item_id: int,
        error: str | None = None,
        *,
        message_id: int | None = None,
        lane: str | None = None,
        then: Callable[[], Awaitable[None]] | None = None,
    ) -> OutboxItem | None:
        """Done with the item: sent (as `message_id`), or given up on with the reason in
        `error`. In the same transaction: `then()`, what follows the item (its writes are
        committed with the record or, when it fails, alone left out), and with `lane` the
        lane's next item, returned (None: the lane is empty)."""
        values: dict[str, Any] = {"sent_at": self._clock(), "message_id": message_id}
        if error is not None:
            values["last_error"] = error[:300]
        unsent = None
        reads = lane is not None and not self._knows_after(lane, item_id)
        if reads and self._known is not None:
            self._known.reading(lane)
        try:
            async with transaction(self._sessions) as session:
                await (await core_writer(session)).execute(
                    update(TABLE).where(TABLE.c.id == item_id).values(**values)
                )
                if then is not None:
                    await run_as_part_of(session, then)
                if reads:
                    unsent = await self._unsent(session, lane)  # with what `then` queued
        except BaseException:
            if reads and self._known is not None:
                self._known.unread(lane)
            raise
        if unsent is not None:
            return self._read(lane, unsent)
        if self._known is None or lane is None:
            if self._known is not None:
                self._known.forget_item(item_id)
            return None
        self._known.taken(lane, item_id)
        return self._known.head(lane)[1]

    def _knows_after(self, lane: str, item_id: int) -> bool:
        """Memory knows what follows `item_id` in the lane: nothing to read."""
        if self._known is None:
            return False
        known, head = self._known.head(lane)
        return known and head is not None and head.id == item_id

    async def retry_at(self, item_id: int, when: datetime, error: str) -> None:
        await self._set(
            item_id, not_before=when, attempts=TABLE.c.attempts + 1, last_error=error[:300]
        )
        if self._known is not None:
            self._known.forget_item(item_id)

    async def _set(self, item_id: int, **values: Any) -> None:
        async with transaction(self._sessions) as session:
            await (await core_writer(session)).execute(
                update(TABLE).where(TABLE.c.id == item_id).values(**values)
            )


def _item_id(item: OutboxItem) -> int:
    return item.id
