"""Messages to a person's Telegram private chat go through the outbox: queued in the
database (with the update's done stamp when a handler answers), sent in order per chat by
the buyer lanes' worker, and followed on delivery by what the sender asked for.

A payload holds what `sendMessage` / `copyMessage` need, and `options` for any other
parameter of the method (message_thread_id, a reply, ...), so a feature can add its own.
A message about a ticket holds its number (`ticket`): it is sent in the ticket's topic in the
buyer's chat, found (or made again, when the buyer deleted it) at the moment it is sent.

Kinds: `text` (sendMessage), `copy` (copyMessage), `document` (sendDocument of a file made
for the message, kept in QueuedFiles until it is sent), `intro` (the first message of a
ticket's topic in the buyer's chat: made and introduced when sent, nothing without topics;
queued right after the reply that gives the ticket's number, in the same transaction).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from telegram import Bot, InputFile, Message

from bot.channels.telegram.markup import inline_markup
from bot.outbox.followups import Followup, Followups
from bot.outbox.store import OutboxItem, OutboxStore, buyer_lane
from bot.views.reply import Button, Keyboard, Reply
from storage.db import when_committed

if TYPE_CHECKING:
    from bot.channels.telegram.buyer_topics import BuyerTopics
    from bot.channels.telegram.queued_files import QueuedFiles

log = logging.getLogger(__name__)

TEXT, COPY, DOCUMENT, INTRO = "text", "copy", "document", "intro"


def keyboard_json(keyboard: Keyboard | None) -> list | None:
    if keyboard is None:
        return None
    return [[[b.label, b.data] for b in row] for row in keyboard.rows]


def keyboard_of(rows: list | None) -> Keyboard | None:
    if rows is None:
        return None
    return Keyboard([[Button(label, data) for label, data in row] for row in rows])


def text_item(chat_id: int, reply: Reply, **options: Any) -> tuple[str, dict[str, Any]]:
    payload = {"chat": chat_id, "text": reply.text, "buttons": keyboard_json(reply.markup)}
    if reply.ticket is not None:
        payload["ticket"] = reply.ticket
    if options:
        payload["options"] = options
    return TEXT, payload


class TelegramOutbox:
    """Queues messages for Telegram chats and sends one when the worker hands it over."""

    def __init__(
        self,
        bot: Bot,
        store: OutboxStore,
        followups: Followups,
        topics: BuyerTopics | None = None,
        files: QueuedFiles | None = None,
    ) -> None:
        self.bot, self.store, self.followups, self.topics = bot, store, followups, topics
        self.files = files
        self.wake: Callable[[str], None] = lambda _lane: None

    async def send(
        self,
        chat_id: int,
        replies: Iterable[Reply],
        *,
        finishes_update: bool = False,
        after: Followup | None = None,
        if_undelivered: Followup | None = None,
        dedupe: str | None = None,
        **options: Any,
    ) -> None:
        """Queues the replies in order; `after` / `if_undelivered` follow the last one;
        with `dedupe`, not when they were queued before under that key. A reply that opens a
        ticket is followed by the opening of the ticket's topic, queued with it."""
        items = []
        for reply in replies:
            items.append(text_item(chat_id, reply, **options))
            if reply.opens is not None:
                items += await self._intro(chat_id, reply.opens)
        await self.queue(chat_id, items, finishes_update=finishes_update, after=after,
                         if_undelivered=if_undelivered, dedupe=dedupe)  # fmt: skip

    async def copy(
        self,
        chat_id: int,
        from_chat: int,
        message_id: int,
        caption: str | None,
        *,
        ticket: str | None = None,
        after: Followup | None = None,
        if_undelivered: Followup | None = None,
        dedupe: str | None = None,
        **options: Any,
    ) -> None:
        """Queues a copy of a message (an agent's file) with `caption` (None: its own)."""
        payload: dict[str, Any] = {"chat": chat_id, "from_chat": from_chat,
                                   "message_id": message_id, "caption": caption}  # fmt: skip
        if ticket is not None:
            payload["ticket"] = ticket
        if options:
            payload["options"] = options
        await self.queue(chat_id, [(COPY, payload)], after=after,
                         if_undelivered=if_undelivered, dedupe=dedupe)  # fmt: skip

    async def document_item(
        self, chat_id: int, content: bytes, filename: str, caption: str | None, **options: Any
    ) -> tuple[str, dict[str, Any]]:
        """An item sending `content` as a file: kept on disk now, read when it is sent."""
        assert self.files is not None, "documents need QueuedFiles"
        payload: dict[str, Any] = {"chat": chat_id, "file": await self.files.put(content),
                                   "filename": filename, "caption": caption}  # fmt: skip
        if options:
            payload["options"] = options
        return DOCUMENT, payload

    async def sweep_files(self, older_than: float) -> int:
        """Deletes the queued files a crash left behind (no unsent item names them)."""
        if self.files is None:
            return 0
        in_use = {payload["file"] for payload in await self.store.unsent_payloads(DOCUMENT)}
        return await self.files.sweep(in_use, older_than)

    async def _intro(self, chat_id: int, number: str) -> list[tuple[str, dict[str, Any]]]:
        """The first message of ticket `number`'s topic in the buyer's chat; the topic is made
        when it is sent (nothing where the bot has no topics in private chats)."""
        if self.topics is None:
            return []
        text = await self.topics.intro(await self.topics.tickets.get(number))
        return [] if text is None else [(INTRO, {"chat": chat_id, "text": text, "ticket": number})]

    async def queue(
        self,
        chat_id: int,
        items: list[tuple[str, dict[str, Any]]],
        *,
        finishes_update: bool = False,
        after: Followup | None = None,
        if_undelivered: Followup | None = None,
        dedupe: str | None = None,
    ) -> None:
        replies = [payload for kind, payload in items if kind != INTRO]
        if replies:  # a topic's opening (sent or not) is not what the sender waits for
            last = replies[-1]
            if after is not None:
                last["after"] = after
            if if_undelivered is not None:
                last["if_undelivered"] = if_undelivered
        lane = buyer_lane(chat_id)
        queued = await self.store.enqueue_all(
            lane, items, finishes_update=finishes_update, dedupe=dedupe
        )
        if items and queued:
            self.wake(lane)

    async def deliver(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Sends one queued message (in its ticket's topic); Telegram's errors go to the
        worker."""

        async def post(thread: int | None) -> Message:
            options = dict(payload.get("options") or {})
            if thread is not None:
                options["message_thread_id"] = thread
            if kind == COPY:
                return await self.bot.copy_message(
                    payload["chat"], payload["from_chat"], payload["message_id"],
                    caption=payload.get("caption"), **options,
                )  # fmt: skip
            if kind == DOCUMENT:
                document = InputFile(content, filename=payload["filename"])
                return await self.bot.send_document(
                    payload["chat"], document, caption=payload.get("caption"), **options
                )
            markup = inline_markup(keyboard_of(payload.get("buttons")))
            return await self.bot.send_message(
                payload["chat"], payload["text"], reply_markup=markup, **options
            )

        content = None
        if kind == DOCUMENT:
            try:
                content = await self.files.read(payload["file"])
            except FileNotFoundError:  # DATA_DIR cleared, or not shared with the queueing process
                log.error("The file of a message to chat %s is gone; not sent", payload["chat"])
                return None
        ticket = payload.get("ticket")
        if kind == INTRO:
            if self.topics is None or await self.topics.thread_of(ticket) is None:
                return None  # no topic (no threaded mode, or refused): nothing to introduce
        if ticket is None or self.topics is None:
            return (await post(None)).message_id
        return (await self.topics.in_topic(ticket, post)).message_id

    async def delivered(self, item: OutboxItem, message_id: int | None) -> None:
        self._forget_file(item)
        await self.followups.run(item.payload.get("after"), message_id)

    async def undelivered(self, item: OutboxItem, error: Exception) -> None:
        self._forget_file(item)
        await self.followups.run(item.payload.get("if_undelivered"), error)

    def _forget_file(self, item: OutboxItem) -> None:
        """A file made for one message is deleted once that message is done with (once the
        record of it is committed: the worker runs this inside that transaction)."""
        if item.kind == DOCUMENT and self.files is not None:
            forget = partial(self.files.delete, item.payload["file"])
            if not when_committed(forget):
                forget()
