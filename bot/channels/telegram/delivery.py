"""Reaching a buyer in their Telegram private chat."""

from __future__ import annotations

from telegram import Bot, Message

from bot.channels.telegram.markup import inline_markup
from bot.views.reply import Reply


class TelegramBuyers:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, person_id: int, reply: Reply) -> int:
        sent = await self.bot.send_message(
            person_id, reply.text, reply_markup=inline_markup(reply.markup)
        )
        return sent.message_id

    async def send_from_group(self, person_id: int, message: Message, caption: str | None) -> int:
        copied = await self.bot.copy_message(
            person_id, message.chat_id, message.message_id, caption=caption
        )
        return copied.message_id

    async def edit(self, person_id: int, message_id: int, reply: Reply, *, caption: bool) -> None:
        if caption:
            await self.bot.edit_message_caption(person_id, message_id, caption=reply.text)
        else:
            await self.bot.edit_message_text(reply.text, person_id, message_id)
