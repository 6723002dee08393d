"""Hands stored updates to the application: one chat's in order, by one process at a time.

A chat is drained by whoever holds its lock: every update of the chat not done yet, oldest
first, each marked done once the handlers have finished with it (in the same commit as
taking the next one). An update that arrives while another process holds the chat is picked
up by that process, which looks again after letting go (only where locks are shared, on
PostgreSQL: with SQLite every update is stored and announced by this process); a periodic
sweep resumes the chats of a process that died.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from functools import partial

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import Application

from bot.inbox.store import InboxStore, StoredUpdate
from storage.effects import handling
from storage.locks import Locks, chat_lock

log = logging.getLogger(__name__)


class InboxDispatcher:
    """Drains chats of the inbox into `Application.process_update`."""

    def __init__(
        self,
        application: Application,
        store: InboxStore,
        locks: Locks,
        *,
        max_concurrent_chats: int = 64,
        handle: Callable[[Update], Awaitable[None]] | None = None,
        interrupted: Callable[[Update], Awaitable[None]] | None = None,
    ) -> None:
        self._application, self._store, self._locks = application, store, locks
        self._handle = handle or application.process_update
        self._interrupted = interrupted or _nothing_to_show
        self._slots = asyncio.Semaphore(max_concurrent_chats)
        self._draining: dict[int, asyncio.Task] = {}
        self._again: set[int] = set()
        self._closed = False

    def notify(self, chats: Iterable[int]) -> None:
        """Chats with new updates in the inbox: drain each unless it is being drained."""
        for chat in chats:
            if self._closed:
                return
            if chat in self._draining:
                self._again.add(chat)
            else:
                self._draining[chat] = asyncio.create_task(self._drain(chat), name=f"chat {chat}")

    async def resume(self) -> None:
        """Drains every chat with an update not done (on start, and now and then)."""
        self.notify(await self._store.pending_chats())

    async def settle(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Waits (at most `timeout` s) until no chat is being drained: on start, the updates
        left by the last run are finished before new ones are taken in."""
        tasks = list(self._draining.values())
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

    async def _drain(self, chat: int) -> None:
        try:
            async with self._slots:
                while not self._closed:
                    self._again.discard(chat)
                    async with self._locks.try_hold(chat_lock(chat)) as held:
                        if held:
                            await self._handle_all(chat)
                    if not held:
                        return  # the process holding the chat looks again when it lets go
                    if chat in self._again:
                        continue  # announced while this process held it
                    if not self._locks.shared or not await self._store.has_pending(chat):
                        return
        except Exception:  # the sweep tries again; nothing is marked done
            log.exception("Could not drain the updates of chat %s", chat)
        finally:
            self._draining.pop(chat, None)

    async def _handle_all(self, chat: int) -> None:
        stored = await self._store.take(chat)
        while stored is not None:
            done = await self._handle_one(stored)
            if done and not stored.more:
                return  # stamped done with its replies, and the last one: nothing to commit
            stored = await self._finish(stored.update_id, None if self._closed else chat,
                                        stamp=not done)  # fmt: skip

    async def _handle_one(self, stored: StoredUpdate) -> bool:
        """Hands the update over; True when its handlers stamped it done themselves."""
        update = Update.de_json(stored.payload, self._application.bot)
        if stored.interrupted:  # had effects before a crash: not applied twice
            with handling(stored.update_id) as state:  # what it queues is stamped done with it
                await self._resume_interrupted(update)
            return state.done
        effects = partial(self._store.had_effects, stored.update_id)
        with handling(stored.update_id, effects) as state:
            try:
                await self._handle(update)
            except Exception:  # handlers' errors reach the error handler; this is a last guard
                log.exception("Update %s failed outside the handlers", stored.update_id)
        return state.done

    async def _finish(
        self, update_id: int, chat: int | None, *, stamp: bool = True
    ) -> StoredUpdate | None:
        """Stamps done_at (and takes the chat's next update), waiting out a database that is
        busy for a moment: an update left without it would look interrupted to the next start."""
        for delay in (0.2, 0.5, 1, 2, 5, 10):
            try:
                return await self._store.finish(update_id, then_take=chat, stamp=stamp)
            except SQLAlchemyError as error:
                log.warning("Could not mark update %s done (%s); again in %s s",
                            update_id, type(error).__name__, delay)  # fmt: skip
                await asyncio.sleep(delay)
        return await self._store.finish(update_id, then_take=chat, stamp=stamp)

    async def _resume_interrupted(self, update: Update) -> None:
        log.warning("Update %s was applied before a crash; showing where things stand",
                    update.update_id)  # fmt: skip
        try:
            await self._interrupted(update)
        except Exception:
            log.exception("Could not show where update %s left things", update.update_id)

    async def aclose(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Lets the updates being handled finish (for `timeout` s), then cancels the rest."""
        self._closed = True
        tasks = list(self._draining.values())
        if not tasks:
            return
        done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


async def _nothing_to_show(_update: Update) -> None:
    """Without a channel's own resumption, an interrupted update is only logged."""
