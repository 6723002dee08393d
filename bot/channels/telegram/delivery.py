"""Reaching a buyer in their Telegram private chat: in the ticket's own topic there, where
the bot has topics in private chats (bot/channels/telegram/buyer_topics.py)."""

from __future__ import annotations

from telegram import Bot, Message

from bot.channels.telegram.buyer_topics import BuyerTopics
from bot.channels.telegram.markup import inline_markup
from bot.services.records import TicketRecord
from bot.views.reply import Reply


class TelegramBuyers:
    def __init__(self, bot: Bot, topics: BuyerTopics | None = None) -> None:
        self.bot, self.topics = bot, topics

    async def send(self, person_id: int, reply: Reply) -> int:
        async def post(thread: int | None) -> Message:
            return await self.bot.send_message(
                person_id, reply.text, reply_markup=inline_markup(reply.markup),
                message_thread_id=thread,
            )  # fmt: skip

        return (await self._in_topic(reply.ticket, post)).message_id

    async def send_from_group(
        self, person_id: int, message: Message, caption: str | None, *, ticket: str | None = None
    ) -> int:
        async def copy(thread: int | None):
            return await self.bot.copy_message(
                person_id, message.chat_id, message.message_id, caption=caption,
                message_thread_id=thread,
            )  # fmt: skip

        return (await self._in_topic(ticket, copy)).message_id

    async def ticket_filed(self, ticket: TicketRecord) -> None:
        """Opens the ticket's topic in the buyer's chat (where the bot has topics)."""
        if self.topics is not None:
            await self.topics.opened(ticket)

    async def _in_topic(self, ticket: str | None, send):
        if ticket is None or self.topics is None:
            return await send(None)
        return await self.topics.in_topic(ticket, send)

    async def edit(self, person_id: int, message_id: int, reply: Reply, *, caption: bool) -> None:
        if caption:
            await self.bot.edit_message_caption(person_id, message_id, caption=reply.text)
        else:
            await self.bot.edit_message_text(reply.text, person_id, message_id)
