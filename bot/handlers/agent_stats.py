"""/stats in the agents' group: the figures of the last 7 and 30 days, and the week's chart."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.agents.access import linked_group_of
from bot.context import Context
from bot.handlers.common import services
from bot.texts import t
from bot.views.stats import render_chart, render_first_guesses, render_summary

CHART_DAYS = 7


async def stats(update: Update, context: Context) -> None:
    """Shows the agents the last 7 and 30 days' figures, then the week's chart, in this thread."""
    svc, message = services(context), update.effective_message
    language = svc.settings.agent_language
    if message is None:
        return
    if await linked_group_of(update, svc.groups) is None:
        await message.reply_text(t(language, "agent.not_agent"))
        return
    week, month = await svc.stats.summary(CHART_DAYS), await svc.stats.summary(30)
    guesses = render_first_guesses(await svc.stats.first_guesses(30), language)
    await message.reply_text(f"{render_summary(week, month, language)}\n\n{guesses}")
    if week.total == 0:
        return  # an empty chart says nothing the text does not
    png = await asyncio.to_thread(render_chart, week, language)  # ~0.5 s of CPU off the loop
    await context.bot.send_photo(
        message.chat_id,
        photo=png,
        caption=t(language, "stats.chart_caption", days=CHART_DAYS),
        message_thread_id=message.message_thread_id if message.is_topic_message else None,
    )
