"""Receipts as reactions: the bot marks a buyer's message once the agents' group has it, and
an agent's message once the buyer has it. Telegram lets a bot set one standard emoji
(ReactionEmoji) per message, and a group's admins may allow fewer: a refused reaction is a
missing receipt, never a failed delivery.

✅ is not among the reactions Telegram allows, so "reached the buyer" is 👌.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.constants import ReactionEmoji
from telegram.error import TelegramError

log = logging.getLogger(__name__)

SEEN_BY_AGENTS = ReactionEmoji.EYES
REACHED_BUYER = ReactionEmoji.OK_HAND_SIGN


async def mark(bot: Bot | None, chat_id: int, message_id: int, emoji: ReactionEmoji) -> bool:
    """Sets the receipt on the message; False (logged at info) when Telegram refuses it."""
    if bot is None:
        return False
    try:
        await bot.set_message_reaction(chat_id, message_id, emoji)
    except TelegramError as error:  # REACTION_INVALID, a deleted or too old message
        log.info("No %s receipt on message %s in %s: %s", emoji.name, message_id, chat_id, error)
        return False
    return True
