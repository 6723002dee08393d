"""/stats: figures and chart in the agents' group, in the thread asked from; refused elsewhere."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import SimpleNamespace
from unittest.mock import AsyncMock

import pytest

from bot.evidence.service import StoreSize
from bot.handlers.agent_stats import stats
from bot.services.report import ProblemRow, Report
from bot.services.stats import FirstGuesses, Summary
from bot.texts import t
from tests.bot.test_stats_views import WEEK, empty

SHOP_A = ProblemRow("shop a", "Shop A", 3, 1, 18.0, 0.5, 2)
REPORT = Report(
    days=7, first_day=date(2026, 11, 15), last_day=date(2026, 11, 21), total=3,
    previous_total=1, shops=(SHOP_A,), platforms=(), categories=(),
    weeks=((date(2026, 11, 9), 1), (date(2026, 11, 16), 3)),
)  # fmt: skip
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
    store = StoreSize(files=2, bytes=3 * 1024 * 1024, pending=1)
    services = SimpleNamespace(
        settings=SimpleNamespace(agent_language="en"), groups=groups, stats=FakeStats(summary),
        evidence=SimpleNamespace(size=AsyncMock(return_value=store)),
        reports=SimpleNamespace(report=AsyncMock(return_value=REPORT)),
    )  # fmt: skip
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
    call, problems = message.reply_text.await_args_list
    assert "Last 7 days" in call.args[0] and "Last 30 days" in call.args[0]
    assert (
        "<b>Model's first guess</b> (last 30 days, 10 ticket(s) with one): kept 70% (7/10)"
        in (call.args[0])
    )
    assert "Evidence store: 2 file(s), 3.0 MB in all; 1 still to download" in call.args[0]
    assert "Recurring problems, last 7 days" in problems.args[0]
    assert "• Shop A: 3 (+2)" in problems.args[0]
    photo, trend = context.bot.send_photo.await_args_list
    assert trend.kwargs["photo"].startswith(b"\x89PNG\r\n\x1a\n")
    assert trend.kwargs["caption"] == t("en", "report.chart_caption")
    assert trend.kwargs["message_thread_id"] == topic
    assert photo.args == (GROUP,)
    assert photo.kwargs["photo"].startswith(b"\x89PNG\r\n\x1a\n")
    assert photo.kwargs["message_thread_id"] == topic
    assert photo.kwargs["caption"] == t("en", "stats.chart_caption", days=7)


async def test_a_week_without_complaints_gets_no_chart() -> None:
    update, context, message, _ = world(GROUP, empty(7, date(2026, 11, 15)))

    await stats(update, context)

    assert "No complaints were filed." in message.reply_text.await_args_list[0].args[0]
    [trend] = context.bot.send_photo.await_args_list  # earlier weeks still had complaints
    assert trend.kwargs["caption"] == t("en", "report.chart_caption")


async def test_other_chats_are_refused() -> None:
    update, context, message, services = world(1001, WEEK)

    await stats(update, context)

    message.reply_text.assert_awaited_once_with(t("en", "agent.not_agent"))
    assert services.stats.asked == []
    context.bot.send_photo.assert_not_awaited()
