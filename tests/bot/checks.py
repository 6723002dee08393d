"""What the bad-input suites check besides the answer: nothing broke, and the bot still serves."""

from __future__ import annotations

import logging
import re
from html import escape, unescape

import pytest

from bot.texts import t
from tests.bot.world import World
from tests.fakes import FakeUser, Msg

STEPS = ("describe", "category", "platform", "order", "shop", "outcome", "evidence", "summary")
_ANSWERS = ("商品质量问题", "淘宝", "跳过", "跳过", "跳过", "✅ 完成")  # category ... evidence
_TAG = re.compile(r"<[^>]*>")


def shown(key: str, language: str = "zh", **values: object) -> str:
    """The text `key` with `values` (as people typed them) as the person sees it."""
    html = t(language, key, **{name: escape(str(v)) for name, v in values.items()})
    return unescape(_TAG.sub("", html)).strip()


def nothing_broke(world: World, caplog: pytest.LogCaptureFixture, *expected: str) -> None:
    """No Bot API call failed (but those whose description contains one of `expected`),
    and nothing was logged as an error ("Error while handling an update" and the like)."""
    failed = [
        f"{call.method}: {call.description}"
        for call in world.fake.calls
        if call.method != "getUpdates"  # cut short when the bot stops polling
        and not call.ok
        and not any(text in (call.description or "") for text in expected)
    ]
    assert failed == []
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


async def still_serves(world: World, buyer: FakeUser, language: str = "zh") -> None:
    """The buyer still gets the help with its buttons."""
    replies = await world.command(buyer, "help")
    assert replies[-1].content == shown("help.text", language) and replies[-1].buttons


async def walk_to(world: World, buyer: FakeUser, step: str, description: str = "杯子碎了") -> Msg:
    """Starts an intake and answers every question before `step`; returns the step's question."""
    if step == "describe":
        menu = await world.command(buyer, "start")
        return (await world.press(buyer, menu[-1], "📝 新投诉"))[-1]
    replies = await world.say(buyer, description)
    for label in _ANSWERS[: STEPS.index(step) - 1]:
        replies = await world.press(buyer, replies[-1], label)
    return replies[-1]


def answer_to(world: World, update: dict) -> dict:
    """How the bot answered the button press that `update` carries (answerCallbackQuery)."""
    query_id = update["callback_query"]["id"]
    calls = world.fake.calls_of("answerCallbackQuery")
    [call] = [c for c in calls if c.params.get("callback_query_id") == query_id]
    return {"text": call.params.get("text"), "alert": call.params.get("show_alert") == "true"}
