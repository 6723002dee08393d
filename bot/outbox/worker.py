"""Sends the outbox, oldest first, one item at a time, by one process at a time.

Telegram's limits are kept by the bot's rate limiter (TELEGRAM_GROUP_MESSAGES_PER_MINUTE for
the group); a 429 or a network failure holds the lane and tries the same item again later,
so the order never changes; an item Telegram refuses for good is logged and passed over.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram.error import NetworkError, RetryAfter, TelegramError

from bot.outbox.store import GROUP, OutboxItem, OutboxStore
from bot.services.clock import Clock, utc_now
from storage.db import when_committed
from storage.locks import Locks, job_lock

log = logging.getLogger(__name__)

# Sends one item; returns the id of the message it became when the lane keeps it.
Deliver = Callable[[str, dict[str, Any]], Awaitable[int | None]]
# What follows an item: once sent (with its message id), or once refused for good.
Sent = Callable[[OutboxItem, int | None], Awaitable[None]]
Refused = Callable[[OutboxItem, Exception], Awaitable[None]]
MAX_ATTEMPTS = 8
IDLE_POLL = 5.0  # seconds between looks when another process may have queued something
SHARED_POLL = 0.5
# Seconds between tries of recording a sent item while the database is busy: an item left
# unrecorded would be sent a second time.
RECORD_DELAYS = (0.2, 0.5, 1, 2, 5, 10)


STOP_GRACE = 3.0  # seconds an item being sent may take to finish when the bot stops


class Look(enum.Enum):
    LOOK = "look at the lane again"


LOOK = Look.LOOK


class ItemSender:
    """Sends one item and records how it went: sent, to be tried again later, or refused."""

    def __init__(
        self,
        store: OutboxStore,
        deliver: Deliver,
        *,
        clock: Clock = utc_now,
        on_sent: Sent | None = None,
        on_refused: Refused | None = None,
        budget: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._store, self._deliver, self._clock = store, deliver, clock
        self._on_sent, self._on_refused = on_sent, on_refused
        self._budget = budget  # waits for a place under the limit all processes share

    async def send(self, item: OutboxItem, lane: str | None = None) -> OutboxItem | None | Look:
        """Sends `item` of `lane`; returns the lane's next item (None: the lane is empty), or
        LOOK when the lane must be looked at again (the item is to be tried again later)."""
        if self._budget is not None:
            await self._budget()
        try:
            message_id = await self._deliver(item.kind, item.payload)
        except RetryAfter as error:
            return await self._later(item, lane, _seconds(error.retry_after), error, count=False)
        except NetworkError as error:  # includes TimedOut; BadRequest is not a NetworkError
            return await self._later(item, lane, min(2**item.attempts, 60), error)
        except TelegramError as error:
            log.warning("Telegram refused outbox item %s (%s): %s", item.id, item.kind, error)
            return await self._record(
                item, lane, self._on_refused, error, error=f"refused: {error}"
            )
        except Exception as error:
            log.exception("Outbox item %s (%s) failed", item.id, item.kind)
            return await self._later(item, lane, min(2**item.attempts, 60), error)
        return await self._record(item, lane, self._on_sent, message_id, message_id=message_id)

    async def _record(self, item: OutboxItem, lane, follow, value, **outcome) -> OutboxItem | None:
        """Marks the item done once Telegram has answered, with what follows it in the same
        transaction (a quick answer to the message finds what it was for; a crash between
        the two cannot keep one without the other), waiting out a database that is busy for
        a moment (a lock held by another connection)."""
        then = None if follow is None else partial(follow, item, value)
        for delay in RECORD_DELAYS:
            try:
                return await self._store.sent(item.id, lane=lane, then=then, **outcome)
            except SQLAlchemyError as error:
                log.warning("Could not record outbox item %s as sent (%s); again in %s s",
                            item.id, type(error).__name__, delay)  # fmt: skip
                await asyncio.sleep(delay)
        return await self._store.sent(item.id, lane=lane, then=then, **outcome)

    async def _later(
        self, item: OutboxItem, lane, seconds: float, error: Exception, *, count=True
    ) -> OutboxItem | None | Look:
        if count and item.attempts + 1 >= MAX_ATTEMPTS:
            log.error("Outbox item %s (%s) given up after %s tries: %s",
                      item.id, item.kind, MAX_ATTEMPTS, error)  # fmt: skip
            return await self._record(item, lane, self._on_refused, error,
                                      error=f"gave up: {error}")  # fmt: skip
        when = self._clock() + timedelta(seconds=seconds)
        await self._store.retry_at(item.id, when, f"{type(error).__name__}: {error}")
        return LOOK


class OutboxWorker:
    """Started with `start()`, stopped with `stop()`; `wake()` when something was queued."""

    def __init__(
        self,
        store: OutboxStore,
        deliver: Deliver,
        locks: Locks,
        *,
        clock: Clock = utc_now,
        lane: str = GROUP,
        on_sent: Sent | None = None,
        budget: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._store, self._locks = store, locks
        self._sender = ItemSender(store, deliver, clock=clock, on_sent=on_sent, budget=budget)
        self._clock, self._lane = clock, lane
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._idle = asyncio.Event()
        self._stopping = False

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name=f"outbox {self._lane}")

    def wake(self) -> None:
        """Something was queued (once it is committed, when that is part of another
        transaction)."""
        if when_committed(self.wake):
            return
        self._idle.clear()
        self._wakeup.set()

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Lets the item being sent finish (at most `grace` s, so a group that holds its
        answer never holds the stop), then stops; an unfinished item goes after the next
        start. Cancelling only after the grace keeps database connections from being cut
        in the middle of a transaction."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wakeup.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        poll = SHARED_POLL if self._locks.shared else IDLE_POLL
        while not self._stopping:
            try:
                async with self._locks.try_hold(job_lock(f"outbox:{self._lane}")) as held:
                    if held:
                        await self._send_while_held(poll)
                await self._sleep(poll)  # another process sends; look again later
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("The outbox worker failed; starting again in %s s", poll)
                await asyncio.sleep(poll)

    async def _send_while_held(self, poll: float) -> None:
        item: OutboxItem | None | Look = LOOK
        while not self._stopping:
            if item is LOOK:
                self._wakeup.clear()  # before the look: what is queued after it wakes
                item = await self._store.head(self._lane)
            if item is None:
                self._idle.set()
                await self._sleep(poll)
                item = LOOK
                continue
            wait = seconds_until(item, self._clock)
            if self._stopping:
                return
            if wait > 0:
                await self._sleep(wait)
                item = LOOK
                continue
            self._wakeup.clear()  # the record looks at what follows
            item = await self._sender.send(item, self._lane)

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wakeup.wait(), timeout=seconds)
        except TimeoutError:
            pass

    async def idle(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Waits until this worker has found the lane empty (for tests and the benchmark)."""
        await asyncio.wait_for(self._idle.wait(), timeout)


def seconds_until(item: OutboxItem, clock: Clock) -> float:
    if item.not_before is None:
        return 0.0
    return (item.not_before - clock()).total_seconds()


def _seconds(value) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
