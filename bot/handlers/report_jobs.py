"""The periodic shop alert in the agents' group."""

from __future__ import annotations

from bot.context import Context
from bot.views.report import render_alert


async def alert_busy_shops(context: Context) -> None:
    """Tells the agents' group of each shop over the threshold, once per shop and week."""
    services = context.bot_data.services
    if await services.groups.active() is None:
        return  # checked again next time; nothing was claimed
    language = services.settings.agent_language
    alerts = services.shop_alerts
    for due in await alerts.due():
        text = render_alert(due.cluster, alerts.threshold, list(due.tickets), language)
        await services.agents.post_in_group(text, key=due.key)  # queued once under its key
        await alerts.claim(due)
