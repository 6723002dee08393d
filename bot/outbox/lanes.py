"""Sends many lanes of the outbox at once (one per Telegram buyer), each in order and each by
one process at a time.

`wake(lane)` starts sending a lane at once in this process, so a reply queued by a handler
goes out within milliseconds; a lane another process holds is left to it. A sweep now and
then picks up lanes queued by other processes or left by one that died.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from functools import partial

from bot.outbox.store import OutboxItem, OutboxStore
from bot.outbox.worker import (
    IDLE_POLL,
    LOOK,
    SHARED_POLL,
    STOP_GRACE,
    ItemSender,
    Look,
    seconds_until,
)
from bot.services.clock import Clock, utc_now
from storage.db import when_committed
from storage.locks import Locks, job_lock

log = logging.getLogger(__name__)

MAX_CONCURRENT_LANES = 32


class LaneWorkers:
    """Drains every lane starting with `prefix`; `start()`, `wake(lane)`, `stop()`."""

    def __init__(
        self,
        store: OutboxStore,
        sender: ItemSender,
        locks: Locks,
        *,
        prefix: str,
        clock: Clock = utc_now,
        max_concurrent: int = MAX_CONCURRENT_LANES,
    ) -> None:
        self._store, self._sender, self._locks = store, sender, locks
        self._prefix, self._clock = prefix, clock
        self._slots = asyncio.Semaphore(max_concurrent)
        self._draining: dict[str, asyncio.Task] = {}
        self._again: set[str] = set()
        self._sweeper: asyncio.Task | None = None
        self._stopping = False
        self._stopped = asyncio.Event()

    def start(self) -> None:
        if self._sweeper is None:
            self._stopping = False
            self._stopped.clear()
            self._sweeper = _detached(self._sweep(), f"outbox {self._prefix}*")

    def wake(self, lane: str) -> None:
        """Something was queued in `lane`: send it now unless it is being sent (once it is
        committed, when it was queued as part of another transaction)."""
        if self._stopping or when_committed(partial(self.wake, lane)):
            return
        if lane in self._draining:
            self._again.add(lane)
        else:
            self._draining[lane] = _detached(self._drain(lane), f"outbox {lane}")

    async def resume(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Sends what is left unsent (on start, before new updates are taken in)."""
        for lane in await self._store.pending_lanes(self._prefix):
            self.wake(lane)
        try:
            await self.idle(timeout)
        except TimeoutError:
            log.warning("Messages to buyers are still being sent after %s s", timeout)

    async def idle(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Waits until no lane is being sent here (for tests and the benchmark)."""
        async with asyncio.timeout(timeout):
            while self._draining:
                await asyncio.wait(list(self._draining.values()))

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Lets the items being sent finish (at most `grace` s), then stops; the rest goes
        after the next start, or by another process."""
        self._stopping = True
        self._stopped.set()
        tasks = [t for t in (self._sweeper, *self._draining.values()) if t is not None]
        self._sweeper = None
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _sweep(self) -> None:
        poll = SHARED_POLL if self._locks.shared else IDLE_POLL
        while not self._stopping:
            try:
                for lane in await self._store.pending_lanes(self._prefix):
                    self.wake(lane)
            except Exception:
                log.exception("Could not look for unsent messages; again in %s s", poll)
            await self._pause(poll)

    async def _drain(self, lane: str) -> None:
        try:
            async with self._slots:
                while not self._stopping:
                    self._again.discard(lane)
                    async with self._locks.try_hold(job_lock(f"outbox:{lane}")) as held:
                        if held:
                            await self._send_all(lane)
                    if not held or lane not in self._again:
                        return  # a process holding the lane sends it; the sweep looks again
        except Exception:
            log.exception("Could not send the outbox lane %s; the sweep tries again", lane)
        finally:
            self._draining.pop(lane, None)

    async def _send_all(self, lane: str) -> None:
        item: OutboxItem | None | Look = LOOK
        while not self._stopping:
            if item is LOOK:
                item = await self._store.head(lane)
            if item is None:
                return
            wait = seconds_until(item, self._clock)
            if wait > 0:
                await self._pause(wait)
                item = LOOK
                continue
            item = await self._sender.send(item, lane)  # its record tells what follows

    async def _pause(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopped.wait(), timeout=seconds)
        except TimeoutError:
            pass


def _detached(coroutine, name: str) -> asyncio.Task:
    """A task that does not inherit the caller's context: what it sends is no effect of the
    update whose handler woke it (storage/effects.py)."""
    return asyncio.create_task(coroutine, name=name, context=contextvars.Context())
