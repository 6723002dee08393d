"""The inbox table: updates by `update_id`, each stored once and marked done once.

Its statements run on plain connections (SQLAlchemy Core), not ORM sessions: they are a few
per update, on the hot path of every update, and need nothing of the ORM. They are no effect
of the update being handled (storage/effects.py), so they never stamp `effects_at` by being
written. Where one process owns the database (`exclusive`), a chat read to its end is
followed in memory (storage/known.py): an update accepted for it is handed over as it is
stored, counted as taken (`attempts` 1), and not read back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.services.clock import Clock, utc_now
from storage.db import READ_ONLY, dialect_insert_for
from storage.known import KnownQueues
from storage.models import InboxUpdate

TABLE = InboxUpdate.__table__


@dataclass(frozen=True)
class StoredUpdate:
    update_id: int
    chat_key: int
    payload: dict[str, Any]
    interrupted: bool = False  # its effects are committed, but nothing was shown
    more: bool = True  # the chat has another update not done after it


class InboxStore:
    """Stores raw updates and hands them out per chat, oldest first."""

    def __init__(
        self, engine: AsyncEngine, clock: Clock = utc_now, *, exclusive: bool = False
    ) -> None:
        self._engine, self._clock = engine, clock
        self._insert = dialect_insert_for(engine.dialect.name)
        self._known: KnownQueues[int, StoredUpdate] | None = (
            KnownQueues(_update_id) if exclusive else None
        )

    async def accept(self, payloads: Iterable[dict[str, Any]]) -> list[int]:
        """Stores the updates (an update seen before is left as it is); returns their chats."""
        now, known = self._clock(), self._known
        rows = [
            {"update_id": int(p["update_id"]), "chat_key": (chat := chat_key(p)), "payload": p,
             "received_at": now, "attempts": int(known is not None and known.head(chat)[0])}
            for p in payloads
        ]  # fmt: skip
        rows = list({row["update_id"]: row for row in rows}.values())  # each once
        if not rows:
            return []
        insert = self._insert(TABLE).values(rows)
        insert = insert.on_conflict_do_nothing(index_elements=["update_id"])
        async with self._engine.begin() as connection:
            if known is None:
                await connection.execute(insert)
            else:
                stored = set((await connection.execute(
                    insert.returning(TABLE.c.update_id))).scalars().all())  # fmt: skip
        if known is not None:
            for row in sorted(rows, key=lambda row: row["update_id"]):
                if row["update_id"] in stored and row["attempts"]:  # handed over as taken
                    update = StoredUpdate(row["update_id"], row["chat_key"], row["payload"])
                    known.queued(row["chat_key"], [update])
                elif row["update_id"] in stored:
                    known.queued(row["chat_key"], [])  # read to its end meanwhile: not all
        return list(dict.fromkeys(row["chat_key"] for row in rows))

    async def take(self, chat: int) -> StoredUpdate | None:
        """The chat's oldest update not done, its attempt counted in the same statement (so
        an update handled more than once shows in the table); None when there is none.
        The caller holds the chat's lock."""
        if (handed := self._handed(chat)) is not False:
            return handed
        return await self._reading(chat, None)

    async def finish(
        self, update_id: int, *, then_take: int | None = None, stamp: bool = True
    ) -> StoredUpdate | None:
        """Stamps `done_at` (unless stamped already: `stamp=False`); with `then_take=chat`,
        takes the chat's next update in the same transaction (one commit per update instead
        of two)."""
        handed = False if then_take is None else self._handed(then_take)
        if handed is not False or then_take is None:
            if stamp:
                async with self._engine.begin() as connection:
                    await self._stamp_done(connection, update_id)
            return None if handed is False else handed
        return await self._reading(then_take, update_id if stamp else None)

    def _handed(self, chat: int) -> StoredUpdate | None | bool:
        """The chat's next update from memory (None: none), or False: memory does not know."""
        if self._known is None:
            return False
        known, head = self._known.head(chat)
        if not known:
            return False
        if head is None:
            return None
        self._known.taken(chat, head.update_id)
        more = self._known.head(chat)[1] is not None
        return StoredUpdate(head.update_id, chat, head.payload, more=more)

    async def _reading(self, chat: int, done: int | None) -> StoredUpdate | None:
        """Stamps `done` (if any) and takes the chat's next update from the table; in memory,
        the chat is known from then on when nothing of it is left behind that one."""
        if self._known is not None:
            self._known.reading(chat)
        try:
            async with self._engine.begin() as connection:
                if done is not None:
                    await self._stamp_done(connection, done)
                stored = await self._take(connection, chat)
        except BaseException:
            if self._known is not None:
                self._known.unread(chat)
            raise
        if self._known is not None:
            if stored is None or not stored.more:
                self._known.read(chat, [])
            else:
                self._known.unread(chat)
        return stored

    async def _stamp_done(self, connection: AsyncConnection, update_id: int) -> None:
        await connection.execute(
            update(TABLE).where(TABLE.c.update_id == update_id).values(done_at=self._clock())
        )

    async def has_pending(self, chat: int) -> bool:
        query = select(TABLE.c.update_id).where(_pending(chat)).limit(1)
        async with self._read_only() as connection:
            return (await connection.execute(query)).first() is not None

    async def pending_chats(self) -> list[int]:
        """Every chat with an update not done, in the order of its oldest one."""
        query = (
            select(TABLE.c.chat_key).where(TABLE.c.done_at.is_(None)).order_by(TABLE.c.update_id)
        )
        async with self._read_only() as connection:
            chats = list(dict.fromkeys((await connection.execute(query)).scalars().all()))
        if self._known is not None:
            for chat in chats:  # pending in the table while memory has it empty: read again
                if self._known.empty(chat):
                    self._known.forget(chat)
        return chats

    async def had_effects(self, update_id: int) -> None:
        """The update has shown something (storage/effects.py)."""
        async with self._engine.begin() as connection:
            await connection.execute(
                update(TABLE)
                .where(TABLE.c.update_id == update_id, TABLE.c.effects_at.is_(None))
                .values(effects_at=self._clock())
            )

    async def _take(self, connection: AsyncConnection, chat: int) -> StoredUpdate | None:
        oldest = select(func.min(TABLE.c.update_id)).where(_pending(chat)).scalar_subquery()
        claim = (
            update(TABLE)
            .where(TABLE.c.update_id == oldest)
            .values(attempts=TABLE.c.attempts + 1)
            .returning(TABLE.c.update_id, TABLE.c.chat_key, TABLE.c.payload, TABLE.c.effects_at)
        )
        row = (await connection.execute(claim)).first()
        if row is None:
            return None
        # `effects_at IS NOT NULL` in RETURNING comes back True on SQLite even when NULL.
        update_id, chat, payload, effects_at = row
        later = select(TABLE.c.update_id).where(_pending(chat), TABLE.c.update_id > update_id)
        more = (await connection.execute(later.limit(1))).first() is not None
        return StoredUpdate(update_id, chat, payload, interrupted=effects_at is not None,
                            more=more)  # fmt: skip

    @asynccontextmanager
    async def _read_only(self) -> AsyncIterator[AsyncConnection]:
        async with self._engine.connect() as connection:
            await connection.execution_options(**{READ_ONLY: True})
            yield connection


def _pending(chat: int):
    return (TABLE.c.chat_key == chat) & TABLE.c.done_at.is_(None)


def chat_key(payload: dict[str, Any]) -> int:
    """The chat whose order an update keeps: its chat, else its sender; 0 when neither."""
    for kind, body in payload.items():
        if kind == "update_id" or not isinstance(body, dict):
            continue
        message = body.get("message") if kind == "callback_query" else body
        chat = (message or {}).get("chat") if isinstance(message, dict) else None
        if isinstance(chat, dict) and "id" in chat:
            return int(chat["id"])
        for who in ("from", "user"):
            person = body.get(who)
            if isinstance(person, dict) and "id" in person:
                return int(person["id"])
        chat = body.get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return int(chat["id"])
    return 0


def _update_id(stored: StoredUpdate) -> int:
    return stored.update_id
