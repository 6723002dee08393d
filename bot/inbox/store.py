"""The inbox table: updates by `update_id`, each stored once and marked done once.

Its statements run on plain connections (SQLAlchemy Core), not ORM sessions: they are a few
per update, on the hot path of every update, and need nothing of the ORM. They are no effect
of the update being handled (storage/effects.py), so they never stamp `effects_at` by being
written.
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
from storage.models import InboxUpdate

TABLE = InboxUpdate.__table__


@dataclass(frozen=True)
class StoredUpdate:
    update_id: int
    chat_key: int
    payload: dict[str, Any]
    interrupted: bool = False  # its effects are committed, but nothing was shown


class InboxStore:
    """Stores raw updates and hands them out per chat, oldest first."""

    def __init__(self, engine: AsyncEngine, clock: Clock = utc_now) -> None:
        self._engine, self._clock = engine, clock
        self._insert = dialect_insert_for(engine.dialect.name)

    async def accept(self, payloads: Iterable[dict[str, Any]]) -> list[int]:
        """Stores the updates (an update seen before is left as it is); returns their chats."""
        rows = [
            {"update_id": int(p["update_id"]), "chat_key": chat_key(p), "payload": p,
             "received_at": self._clock(), "attempts": 0}
            for p in payloads
        ]  # fmt: skip
        if not rows:
            return []
        insert = self._insert(TABLE).values(rows)
        async with self._engine.begin() as connection:
            await connection.execute(insert.on_conflict_do_nothing(index_elements=["update_id"]))
        return list(dict.fromkeys(row["chat_key"] for row in rows))

    async def take(self, chat: int) -> StoredUpdate | None:
        """The chat's oldest update not done, its attempt counted in the same statement (so
        an update handled more than once shows in the table); None when there is none.
        The caller holds the chat's lock."""
        async with self._engine.begin() as connection:
            return await self._take(connection, chat)

    async def finish(self, update_id: int, *, then_take: int | None = None) -> StoredUpdate | None:
        """Stamps `done_at`; with `then_take=chat`, takes the chat's next update in the same
        transaction (one commit per update instead of two)."""
        async with self._engine.begin() as connection:
            await connection.execute(
                update(TABLE).where(TABLE.c.update_id == update_id).values(done_at=self._clock())
            )
            if then_take is None:
                return None
            return await self._take(connection, then_take)

    async def has_pending(self, chat: int) -> bool:
        query = select(TABLE.c.update_id).where(_pending(chat)).limit(1)
        async with self._reading() as connection:
            return (await connection.execute(query)).first() is not None

    async def pending_chats(self) -> list[int]:
        """Every chat with an update not done, in the order of its oldest one."""
        query = (
            select(TABLE.c.chat_key).where(TABLE.c.done_at.is_(None)).order_by(TABLE.c.update_id)
        )
        async with self._reading() as connection:
            return list(dict.fromkeys((await connection.execute(query)).scalars().all()))

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
        return StoredUpdate(update_id, chat, payload, interrupted=effects_at is not None)

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncConnection]:
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
