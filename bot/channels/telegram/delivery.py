"""Reaching a buyer in their Telegram private chat: through the outbox, never directly."""

from __future__ import annotations

from telegram import Message

from bot.channels.telegram.outbox import TelegramOutbox
from bot.outbox.followups import Followup
from bot.views.reply import Reply


class TelegramBuyers:
    queued = True  # what follows a message runs when the worker has sent it (BuyerDelivery)

    def __init__(self, outbox: TelegramOutbox) -> None:
        self.outbox = outbox

    async def send(
        self, person_id: int, reply: Reply, *,
        after: Followup | None = None, if_undelivered: Followup | None = None,
    ) -> None:  # fmt: skip
        await self.outbox.send(person_id, [reply], after=after, if_undelivered=if_undelivered)

    async def send_from_group(
        self, person_id: int, message: Message, caption: str | None, *,
        after: Followup | None = None, if_undelivered: Followup | None = None,
    ) -> None:  # fmt: skip
        await self.outbox.copy(
            person_id, message.chat_id, message.message_id, caption,
            after=after, if_undelivered=if_undelivered,
        )  # fmt: skip
