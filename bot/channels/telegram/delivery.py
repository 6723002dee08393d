"""Reaching a buyer in their Telegram private chat: through the outbox, in the ticket's own
topic there where the bot has topics in private chats (bot/channels/telegram/buyer_topics.py;
the outbox's sender finds or remakes the topic when it sends). Edits go out directly."""

from __future__ import annotations

from telegram import Message

from bot.channels.telegram.buyer_topics import BuyerTopics
from bot.channels.telegram.outbox import TelegramOutbox
from bot.outbox.followups import Followup
from bot.views.reply import Reply


class TelegramBuyers:
    queued = True  # what follows a message runs when the worker has sent it (BuyerDelivery)

    def __init__(self, outbox: TelegramOutbox, topics: BuyerTopics | None = None) -> None:
        self.outbox, self.topics = outbox, topics

    async def send(
        self, person_id: int, reply: Reply, *,
        after: Followup | None = None, if_undelivered: Followup | None = None,
        dedupe: str | None = None,
    ) -> None:  # fmt: skip
        await self.outbox.send(person_id, [reply], after=after, if_undelivered=if_undelivered,
                               dedupe=dedupe)  # fmt: skip

    async def send_from_group(
        self, person_id: int, message: Message, caption: str | None, *,
        ticket: str | None = None,
        after: Followup | None = None, if_undelivered: Followup | None = None,
        dedupe: str | None = None,
    ) -> None:  # fmt: skip
        await self.outbox.copy(
            person_id, message.chat_id, message.message_id, caption, ticket=ticket,
            after=after, if_undelivered=if_undelivered, dedupe=dedupe,
        )  # fmt: skip

    async def sent_before(self, keys: list[str]) -> set[str]:
        return await self.outbox.store.queued(keys)

    async def edit(self, person_id: int, message_id: int, reply: Reply, *, caption: bool) -> None:
        bot = self.outbox.bot
        if caption:
            await bot.edit_message_caption(person_id, message_id, caption=reply.text)
        else:
            await bot.edit_message_text(reply.text, person_id, message_id)
