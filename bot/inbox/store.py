"""The inbox table: updates by `update_id`, each stored once and marked done once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from bot.services.clock import Clock, utc_now
from storage.db import SessionFactory, dialect_insert, transaction
from storage.models import InboxUpdate


@dataclass(frozen=True)
class StoredUpdate:
    update_id: int
    chat_key: int
    payload: dict[str, Any]
    interrupted: bool = False  # its effects are committed, but nothing was shown


class InboxStore:
    """Stores raw updates and hands them out per chat, oldest first."""

    def __init__(self, sessions: SessionFactory, clock: Clock = utc_now) -> None:
        self._sessions, self._clock = sessions, clock

    async def accept(self, payloads: Iterable[dict[str, Any]]) -> list[int]:
        """Stores the updates (an update seen before is left as it is); returns their chats."""
        rows = [
            {"update_id": int(p["update_id"]), "chat_key": chat_key(p), "payload": p,
             "received_at": self._clock(), "attempts": 0}
            for p in payloads
        ]  # fmt: skip
        if not rows:
            return []
        async with transaction(self._sessions) as session:
            insert = dialect_insert(session)(InboxUpdate).values(rows)
            await session.execute(insert.on_conflict_do_nothing(index_elements=["update_id"]))
        return list(dict.fromkeys(row["chat_key"] for row in rows))

    async def pending_of(self, chat: int, limit: int = 50) -> Sequence[StoredUpdate]:
        """The chat's updates not done yet, oldest first."""
        query = (
            select(
                InboxUpdate.update_id,
                InboxUpdate.chat_key,
                InboxUpdate.payload,
                InboxUpdate.effects_at.is_not(None),
            )  # fmt: skip
            .where(InboxUpdate.done_at.is_(None), InboxUpdate.chat_key == chat)
            .order_by(InboxUpdate.update_id)
            .limit(limit)
        )
        async with transaction(self._sessions, read_only=True) as session:
            return [StoredUpdate(*row) for row in (await session.execute(query)).all()]

    async def pending_chats(self) -> list[int]:
        """Every chat with an update not done, in the order of its oldest one."""
        query = (
            select(InboxUpdate.chat_key)
            .where(InboxUpdate.done_at.is_(None))
            .order_by(InboxUpdate.update_id)
        )
        async with transaction(self._sessions, read_only=True) as session:
            return list(dict.fromkeys((await session.scalars(query)).all()))

    async def started(self, update_id: int) -> None:
        """Counts an attempt, so an update handled more than once shows in the table."""
        async with transaction(self._sessions) as session:
            await session.execute(
                update(InboxUpdate)
                .where(InboxUpdate.update_id == update_id)
                .values(attempts=InboxUpdate.attempts + 1)
            )

    async def had_effects(self, update_id: int) -> None:
        """The update has shown something (storage/effects.py)."""
        async with transaction(self._sessions) as session:
            await session.execute(
                update(InboxUpdate)
                .where(InboxUpdate.update_id == update_id, InboxUpdate.effects_at.is_(None))
                .values(effects_at=self._clock())
            )

    async def done(self, update_id: int) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(
                update(InboxUpdate)
                .where(InboxUpdate.update_id == update_id)
                .values(done_at=self._clock())
            )


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
