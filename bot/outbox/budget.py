"""Telegram's overall limit per bot (about 30 messages a second) kept by all processes
together: each send takes a place in the current second's row of `send_budget`; when the
second is full, it waits for the next one.

One process (SQLite) has the rate limiter of python-telegram-bot for this; with several
processes on PostgreSQL each would allow the full rate on its own, so the outbox's workers
take their place here first. The window is a fixed second, so a burst across the boundary
of two seconds can reach twice the rate for a moment; Telegram's limit is approximate and
its 429 answers are still honoured by the rate limiter.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sqlalchemy import delete

from storage.db import SessionFactory, dialect_insert, transaction
from storage.models import SendBudget

KEEP_SECONDS = 60


class SendBudgetShared:
    """`take()` returns when this process may send one more message."""

    def __init__(
        self, sessions: SessionFactory, per_second: float, *,
        now: Callable[[], float] = time.time,
    ) -> None:  # fmt: skip
        self._sessions, self._limit, self._now = sessions, int(per_second), now
        self._cleaned = 0

    async def take(self) -> int | None:
        """Returns the second the place was taken in (None: no limit)."""
        if self._limit <= 0:
            return None  # no limit (TELEGRAM_MAX_MESSAGES_PER_SECOND=0)
        while True:
            now = self._now()
            second = int(now)
            if await self._count(second) <= self._limit:
                return second
            await asyncio.sleep(max(second + 1 - self._now(), 0.001))

    async def _count(self, second: int) -> int:
        async with transaction(self._sessions, effect=False) as session:
            insert = dialect_insert(session)(SendBudget).values(second=second, sent=1)
            insert = insert.on_conflict_do_update(
                index_elements=[SendBudget.second], set_={"sent": SendBudget.sent + 1}
            ).returning(SendBudget.sent)
            sent = int((await session.execute(insert)).scalar_one())
            if second - self._cleaned > KEEP_SECONDS:
                await session.execute(
                    delete(SendBudget).where(SendBudget.second < second - KEEP_SECONDS)
                )
                self._cleaned = second
            return sent
