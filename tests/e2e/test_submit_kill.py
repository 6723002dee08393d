"""The bot SIGKILLed while a Submit press is handled: after the restart the buyer has the
ticket's number once, then the opening of the ticket's topic in their chat, once (the bot
has topics in private chats)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import create_engine
from storage.migrate import upgrade_database
from storage.models import Ticket
from tests.conftest import postgres_schema
from tests.e2e.journey import inbox_rows, to_summary
from tests.e2e.kill_window import bot_env, kill_while_press_is_answered, kill_with_outbox_locked
from tests.e2e.process import BotProcess
from tests.fakes import FakeTelegram
from tests.fakes.rasa import FakeRasa, serve_fake_rasa

pytestmark = pytest.mark.postgres

SUBMITTED = "投诉已提交"
INTRO = "专属话题"


@pytest.mark.parametrize("window", ["outbox_locked", "press_answered"])
async def test_killed_while_submit_is_handled_the_number_then_the_topic_come_once(
    tmp_path: Path, telegram: tuple[FakeTelegram, str], window: str
) -> None:
    """`outbox_locked`: the ticket is filed, nothing about it is queued yet (the card, the
    number, the topic's opening). `press_answered`: the ticket is filed and Telegram holds
    the answer to the press, before the replies are queued."""
    fake, base_url = telegram
    fake.enable_private_topics()
    buyer = fake.add_user("李雷", language_code="zh-hans", started=True)
    agent = fake.add_user("王客服")
    group = fake.add_group("客服中心", is_forum=True, members={agent: "member"})
    async with postgres_schema("e2e_submit") as database, serve_fake_rasa(FakeRasa()) as rasa:
        await upgrade_database(database)
        env = bot_env(database, rasa.url, group, tmp_path)
        bot = BotProcess(fake, base_url, env, tmp_path / "bot.log")
        outside = create_engine(database)
        try:
            await bot.start()
            summary = await to_summary(fake, buyer)
            before = len(fake.sent_to(buyer))
            press = lambda: fake.press_button(buyer, summary, "✅ 提交")  # noqa: E731
            if window == "outbox_locked":
                filed = select(Ticket.number).where(Ticket.owner_id == buyer.id)
                await kill_with_outbox_locked(outside, bot, press, filed)
            else:
                await kill_while_press_is_answered(fake, bot, press)
            await bot.start()
            await fake.wait_for(
                lambda: any(INTRO in (m.content or "") for m in fake.sent_to(buyer)) or None,
                timeout=30, what="the opening of the ticket's topic",
            )  # fmt: skip
            await asyncio.sleep(1.5)
            await bot.stop()
        finally:
            bot.kill()
            await outside.dispose()
        rows = await inbox_rows(database)
    told = [m for m in fake.sent_to(buyer)[before:] if SUBMITTED in m.content or INTRO in m.content]
    assert [SUBMITTED in m.content for m in told] == [True, False], [m.content for m in told]
    submitted, intro = told
    number = "TS-" + submitted.content.split("TS-")[1][:13]
    assert number in intro.content and intro.thread_id is not None
    assert submitted.thread_id is None
    assert len([m for m in fake.sent_to(group) if m.buttons and number in m.content]) == 1
    assert all(row.done_at is not None for row in rows)
