"""Per-buyer flood limit: a buyer sending faster than a person can type is slowed down,
told so once, and never slows anybody else down.

Leaky buckets from aiolimiter, one per buyer, kept in memory: a rate limit is not
conversation state, and a restart simply gives everyone a fresh bucket.
"""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.channels.web.limits import Buckets
from bot.context import Context
from bot.texts import normalise_language, t
from bot.views.reply import Reply

log = logging.getLogger(__name__)


class FloodGuard:
    """Lets `burst` updates through per `period` seconds for each buyer."""

    def __init__(self, burst: int = 20, period: float = 10.0) -> None:
        self.burst, self.period = burst, period
        self._buckets = Buckets(burst, period)
        self._warned: dict[int, float] = {}

    async def allow(self, user_id: int) -> bool:
        return await self._buckets.allow(user_id)

    def should_warn(self, user_id: int) -> bool:
        """True once per period while the buyer keeps flooding."""
        now = time.monotonic()
        if now - self._warned.get(user_id, 0.0) < self.period:
            return False
        self._warned[user_id] = now
        return True

    async def __call__(self, update: Update, context: Context) -> None:
        """Stops handling of a flooding buyer's update, telling them once per period."""
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or chat.type != chat.PRIVATE or await self.allow(user.id):
            return
        log.info(
            "Flood limit reached for user %s; update %s not handled", user.id, update.update_id
        )
        if self.should_warn(user.id):  # after the replies queued before it, never twice
            notice = Reply(t(normalise_language(user.language_code), "common.slow_down"))
            outbox = context.bot_data.services.telegram_outbox
            await outbox.send(chat.id, [notice], finishes_update=True)
        if update.callback_query is not None:
            await update.callback_query.answer()
        raise ApplicationHandlerStop
