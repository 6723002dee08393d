"""What every handler of the agents' side needs."""

from __future__ import annotations

from bot.context import Context, Services


def services(context: Context) -> Services:
    return context.bot_data.services
