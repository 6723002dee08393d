"""/stats: figures and chart in the agents' group, in the thread asked from; refused elsewhere."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import SimpleNamespace
from unittest.mock import AsyncMock

import pytest

from bot.handlers.agent_stats import stats
from bot.services.stats import FirstGuesses, Summary
from bot.texts import t
from tests.bot.test_stats_views import WEEK, empty

GROUP = -100123
TOPIC = 77


class FakeStats:
    """Stands in for StatsService: the same figures for every window."""

    def __init__(self, summary: Summary) -> None:
        self.summary_of = summary
        self.asked: list[int] = []

    async def summary(self, days: int) -> Summary:
        self.asked.append(days)
        return replace(self.summary_of, days=days)

    async def first_guesses(self, days: int) -> FirstGuesses:
        return FirstGuesses(days, 7, 10, (("delivery", 5, 6), ("billing", 2, 4)))


def world(chat_id: int, summary: Summary, *, topic: int | None = None) -> tuple:
    """An update from `chat_id` (in forum topic `topic`) and a context with stand-in services."""
    message = SimpleNamespace(
        chat_id=chat_id,
        message_thread_id=topic,
        is_topic_message=topic is not None,
        reply_text=AsyncMock(),
    )
    update = SimpleNamespace(
        effective_message=message,
        effective_chat=SimpleNamespace(id=chat_id),
        effective_user=SimpleNamespace(id=2001),
    )
    groups = SimpleNamespace(active=AsyncMock(return_value=SimpleNamespace(chat_id=GROUP)))
    services = SimpleNamespace(
        settings=SimpleNamespace(agent_language="en"), groups=groups, stats=FakeStats(summary)
    )
    context = SimpleNamespace(
        bot=SimpleNamespace(send_photo=AsyncMock()),
        bot_data=SimpleNamespace(services=services),
    )
    return update, context, message, services


@pytest.mark.parametrize("topic", [TOPIC, None], ids=["topic", "plain group"])
async def test_stats_sends_the_figures_then_the_chart(topic: int | None) -> None:
    update, context, message, services = world(GROUP, WEEK, topic=topic)

    await stats(update, context)

    assert services.stats.asked == [7, 30]
    [call] = message.reply_text.await_args_list
    assert "Last 7 days" in call.args[0] and "Last 30 days" in call.args[0]
    assert (
        "<b>Model's first guess</b> (last 30 days, 10 ticket(s) with one): kept 70% (7/10)"
        in (call.args[0])
    )
    [photo] = context.bot.send_photo.await_args_list
    assert photo.args == (GROUP,)
    assert photo.kwargs["photo"].startswith(b"\x89PNG\r\n\x1a\n")
    assert photo.kwargs["message_thread_id"] == topic
    assert photo.kwargs["caption"] == t("en", "stats.chart_caption", days=7)


async def test_a_week_without_complaints_gets_no_chart() -> None:
    update, context, message, _ = world(GROUP, empty(7, date(2026, 11, 15)))

    await stats(update, context)

    assert "No complaints were filed." in message.reply_text.await_args.args[0]
    context.bot.send_photo.assert_not_awaited()


async def test_other_chats_are_refused() -> None:
    update, context, message, services = world(1001, WEEK)

    await stats(update, context)

    message.reply_text.assert_awaited_once_with(t("en", "agent.not_agent"))
    assert services.stats.asked == []
    context.bot.send_photo.assert_not_awaited()
