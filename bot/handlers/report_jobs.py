"""The periodic shop alert in the agents' group."""

from __future__ import annotations

import logging

from telegram.error import TelegramError

from bot.context import Context
from bot.views.report import render_alert

log = logging.getLogger(__name__)


async def alert_busy_shops(context: Context) -> None:
    """Tells the agents' group of each shop over the threshold, once per shop and week."""
    services = context.bot_data.services
    group = await services.groups.active()
    if group is None:
        return  # checked again next time; nothing was claimed
    language = services.settings.agent_language
    alerts = services.shop_alerts
    for due in await alerts.claim_due():
        text = render_alert(due.cluster, alerts.threshold, list(due.tickets), language)
        try:
            await context.bot.send_message(group.chat_id, text)
        except TelegramError as error:
            log.warning("Shop alert about %r not posted yet: %s", due.cluster.key, error)
            await alerts.release(due)
