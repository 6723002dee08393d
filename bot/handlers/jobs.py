"""Periodic work that reads its due items from the database, so a restart misses nothing."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.error import TelegramError

from bot.context import Context
from bot.texts import t

log = logging.getLogger(__name__)

DRAFT_IDLE = timedelta(hours=24)


async def expire_drafts(context: Context) -> None:
    """Drops intakes left for 24 hours and tells each buyer."""
    services = context.bot_data.services
    for person_id in await services.intake.expire(DRAFT_IDLE):
        person = await services.people.get(person_id)
        try:
            await context.bot.send_message(person_id, t(person.language or "zh", "intake.expired"))
        except TelegramError as error:
            log.info("Could not tell %s that their draft expired: %s", person_id, error)
