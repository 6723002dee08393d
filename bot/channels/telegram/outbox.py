"""Messages to a person's Telegram private chat go through the outbox: queued in the
database (with the update's done stamp when a handler answers), sent in order per chat by
the buyer lanes' worker, and followed on delivery by what the sender asked for.

A payload holds what `sendMessage` / `copyMessage` need, and `options` for any other
parameter of the method (message_thread_id, a reply, ...), so a feature can add its own.
A message about a ticket holds its number (`ticket`): it is sent in the ticket's topic in the
buyer's chat, found (or made again, when the buyer deleted it) at the moment it is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from telegram import Bot, Message

from bot.channels.telegram.markup import inline_markup
from bot.outbox.followups import Followup, Followups
from bot.outbox.store import OutboxItem, OutboxStore, buyer_lane
from bot.views.reply import Button, Keyboard, Reply

if TYPE_CHECKING:
    from bot.channels.telegram.buyer_topics import BuyerTopics

TEXT, COPY = "text", "copy"


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
    ) -> None:
        self.bot, self.store, self.followups, self.topics = bot, store, followups, topics
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
        with `dedupe`, not when they were queued before under that key."""
        items = [text_item(chat_id, reply, **options) for reply in replies]
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
        if items:
            last = items[-1][1]
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

    async def deliver(self, kind: str, payload: dict[str, Any]) -> int:
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
            markup = inline_markup(keyboard_of(payload.get("buttons")))
            return await self.bot.send_message(
                payload["chat"], payload["text"], reply_markup=markup, **options
            )

        ticket = payload.get("ticket")
        if ticket is None or self.topics is None:
            return (await post(None)).message_id
        return (await self.topics.in_topic(ticket, post)).message_id

    async def delivered(self, item: OutboxItem, message_id: int | None) -> None:
        await self.followups.run(item.payload.get("after"), message_id)

    async def undelivered(self, item: OutboxItem, error: Exception) -> None:
        await self.followups.run(item.payload.get("if_undelivered"), error)
