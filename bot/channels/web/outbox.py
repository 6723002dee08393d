"""What the web chat shows each visitor, in order, kept until the page has shown it.

Every message for a visitor (the bot's replies, the agents' answers, status notices, and the
visitor's own messages so that a reload shows the whole conversation) gets the next sequence
number of that visitor. A page that reconnects says the last number it has; it gets the rest.
A message the page never confirmed is replayed marked unread. A message sent with a key
(a status notice, an agent's answer: the keys the Telegram outbox uses) is stored once per
key, so that telling it again after a crash does not show it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from storage.db import SessionFactory, dialect_insert, transaction
from storage.models import WebInboxMessage, WebOutboxMessage

REPLAY_LIMIT = 500


@dataclass(frozen=True, slots=True)
class Stored:
    seq: int
    payload: dict[str, Any]
    unread: bool


@dataclass(frozen=True, slots=True)
class Received:
    message_id: int  # the message's id on the web channel
    first_time: bool  # False: already answered (the page sent it again after a reconnect)
    new: bool = True  # False: received before (its answer may still be due)


class WebOutbox:
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions, self._clock = sessions, clock

    async def append(
        self, person_id: int, payload: dict[str, Any], *, dedupe: str | None = None
    ) -> int | None:
        """Stores the message with the visitor's next number and returns the number; with
        `dedupe`, not when a message was stored under that key before (None)."""
        for attempt in range(5):
            try:
                async with transaction(self._sessions) as session:
                    if dedupe is not None and await _keyed(session, [dedupe]):
                        return None
                    last = await session.scalar(
                        select(func.max(WebOutboxMessage.seq)).where(
                            WebOutboxMessage.person_id == person_id
                        )
                    )
                    seq = (last or 0) + 1
                    session.add(
                        WebOutboxMessage(
                            person_id=person_id,
                            seq=seq,
                            payload=payload,
                            dedupe_key=dedupe,
                            created_at=self._clock(),
                            acked_at=None,
                        )
                    )
                return seq
            except IntegrityError:  # another writer took the number (or stored the key)
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    async def since(self, person_id: int, after: int) -> list[Stored]:
        """The visitor's messages numbered above `after`, oldest first."""
        async with transaction(self._sessions, read_only=True) as session:
            rows = await session.scalars(
                select(WebOutboxMessage)
                .where(WebOutboxMessage.person_id == person_id, WebOutboxMessage.seq > after)
                .order_by(WebOutboxMessage.seq)
                .limit(REPLAY_LIMIT)
            )
            return [Stored(r.seq, r.payload, r.acked_at is None) for r in rows]

    async def stored(self, dedupe: str) -> bool:
        """Whether a message was stored under the key."""
        return bool(await self.keyed([dedupe]))

    async def keyed(self, keys: list[str]) -> set[str]:
        """Which of these keys a message was stored under."""
        if not keys:
            return set()
        async with transaction(self._sessions, read_only=True) as session:
            return await _keyed(session, keys)

    async def last_seq(self, person_id: int) -> int:
        async with transaction(self._sessions, read_only=True) as session:
            last = await session.scalar(
                select(func.max(WebOutboxMessage.seq)).where(
                    WebOutboxMessage.person_id == person_id
                )
            )
        return last or 0

    async def ack(self, person_id: int, seq: int) -> None:
        """The page has shown everything up to `seq`."""
        async with transaction(self._sessions) as session:
            await session.execute(
                update(WebOutboxMessage)
                .where(
                    WebOutboxMessage.person_id == person_id,
                    WebOutboxMessage.seq <= seq,
                    WebOutboxMessage.acked_at.is_(None),
                )
                .values(acked_at=self._clock())
            )

    async def receive(self, person_id: int, client_id: str) -> Received:
        """Records a message the page sent by its own id; a repeat is recognised."""
        async with transaction(self._sessions) as session:
            insert = dialect_insert(session)(WebInboxMessage).values(
                person_id=person_id, client_id=client_id, created_at=self._clock()
            )
            inserted = await session.execute(
                insert.on_conflict_do_nothing(
                    index_elements=[WebInboxMessage.person_id, WebInboxMessage.client_id]
                )
            )
            row = await session.scalar(
                select(WebInboxMessage).where(
                    WebInboxMessage.person_id == person_id,
                    WebInboxMessage.client_id == client_id,
                )
            )
            return Received(row.id, row.handled_at is None, inserted.rowcount == 1)

    async def handled(self, message_id: int) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(
                update(WebInboxMessage)
                .where(WebInboxMessage.id == message_id)
                .values(handled_at=self._clock())
            )


async def _keyed(session: AsyncSession, keys: list[str]) -> set[str]:
    query = select(WebOutboxMessage.dedupe_key).where(WebOutboxMessage.dedupe_key.in_(keys))
    return set((await session.scalars(query)).all())
