"""Long polling that stores each batch of updates before Telegram is told it arrived.

Telegram forgets an update once a later getUpdates asks for an offset past it, so the next
call is made only after the batch is committed to the inbox: a process killed at any point
gets the same updates again, and the inbox keeps each once.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Iterable

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.inbox.store import InboxStore

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10
RETRY_DELAYS = (1, 2, 5, 10, 30)
STORE_DELAYS = (0.2, 0.5, 1, 2)


async def poll(
    bot: Bot,
    store: InboxStore,
    notify: Callable[[Iterable[int]], None],
    *,
    timeout: int = POLL_TIMEOUT,  # noqa: ASYNC109 - Telegram's long-poll timeout
) -> None:
    """Runs until cancelled: fetch, store, then confirm by asking for the next offset."""
    await bot.delete_webhook()
    offset: int | None = None
    failures = 0
    while True:
        try:
            updates = await bot.get_updates(
                offset=offset, timeout=timeout, allowed_updates=Update.ALL_TYPES,
                read_timeout=timeout + 10,
            )  # fmt: skip
        except InvalidToken:
            raise
        except RetryAfter as error:
            await asyncio.sleep(_seconds(error.retry_after))
            continue
        except (Conflict, TelegramError) as error:
            delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
            failures += 1
            log.warning("getUpdates failed (%s); trying again in %s s", error, delay)
            await asyncio.sleep(delay)
            continue
        failures = 0
        if not updates:
            continue
        batch = [item.to_dict() for item in updates]
        notify(await _store(store, batch))  # stored before the next offset confirms them
        offset = max(int(item["update_id"]) for item in batch) + 1


async def _store(store: InboxStore, batch: list[dict]) -> list[int]:
    """Stores the batch, waiting out a database that is away or locked: until it is stored,
    Telegram keeps the updates, so nothing is confirmed that is not kept."""
    for attempt in itertools.count():
        try:
            return await store.accept(batch)
        except SQLAlchemyError as error:
            delay = STORE_DELAYS[min(attempt, len(STORE_DELAYS) - 1)]
            log.warning("Could not store %s updates (%s); trying again in %s s",
                        len(batch), type(error).__name__, delay)  # fmt: skip
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


def _seconds(value) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
