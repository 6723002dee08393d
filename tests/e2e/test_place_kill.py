"""The bot SIGKILLed after the buyer's "which ticket?" answer put the held message into a
ticket, before its relay to the agents and the buyer's answer were queued: after the
restart the message is relayed once and the buyer told once where it went."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage.db import create_engine
from storage.migrate import upgrade_database
from tests.conftest import postgres_schema
from tests.e2e.journey import inbox_rows, next_reply, to_summary
from tests.e2e.kill_window import bot_env, kill_with_outbox_locked
from tests.e2e.process import BotProcess
from tests.e2e.test_followup_kill import joined
from tests.fakes import FakeTelegram
from tests.fakes.rasa import FakeRasa, serve_fake_rasa

pytestmark = pytest.mark.postgres

HELD = "快递员说放在驿站了"


async def test_killed_after_held_messages_were_placed_they_are_relayed_once_after_restart(
    tmp_path: Path, telegram: tuple[FakeTelegram, str]
) -> None:
    fake, base_url = telegram
    buyer = fake.add_user("李雷", language_code="zh-hans", started=True)
    agent = fake.add_user("王客服")
    group = fake.add_group("客服中心", is_forum=True, members={agent: "member"})
    async with postgres_schema("e2e_place") as database, serve_fake_rasa(FakeRasa()) as rasa:
        await upgrade_database(database)
        env = bot_env(database, rasa.url, group, tmp_path)
        bot = BotProcess(fake, base_url, env, tmp_path / "bot.log")
        outside = create_engine(database)
        try:
            await bot.start()
            first = await _file(fake, buyer, await to_summary(fake, buyer))
            await next_reply(fake, buyer, lambda: fake.press_button(buyer, first, "📝 新投诉"))
            second = await _file(fake, buyer, await _other_summary(fake, buyer))
            number = "TS-" + second.content.split("TS-")[1][:13]
            await fake.wait_for(
                lambda: sum(1 for m in fake.sent_to(group) if m.buttons and "TS-" in m.content)
                >= 2 or None, timeout=30, what="both cards",
            )  # fmt: skip
            which = await next_reply(fake, buyer, lambda: fake.send_text(buyer, HELD))
            before = len(fake.sent_to(buyer))
            label = next(b["text"] for b in which.buttons if number in b["text"])
            await kill_with_outbox_locked(  # the message joins the ticket, its relay waits
                outside, bot, lambda: fake.press_button(buyer, which, label), joined(HELD)
            )
            await bot.start()
            await fake.wait_for(
                lambda: any(HELD in (m.content or "") for m in fake.sent_to(group)) or None,
                timeout=30, what="the held message relayed to the group",
            )  # fmt: skip
            await fake.wait_for_sent(buyer, before + 1, timeout=30)
            await asyncio.sleep(1.5)
            await bot.stop()
        finally:
            bot.kill()
            await outside.dispose()
        rows = await inbox_rows(database)
    assert len([m for m in fake.sent_to(group) if HELD in (m.content or "")]) == 1
    told = [m.content for m in fake.sent_to(buyer)[before:]]
    assert len(told) == 1 and "已把您的消息加入投诉" in told[0] and number in told[0], told
    assert all(row.done_at is not None for row in rows)


async def _file(fake: FakeTelegram, buyer, summary):
    return await next_reply(fake, buyer, lambda: fake.press_button(buyer, summary, "✅ 提交"))


async def _other_summary(fake: FakeTelegram, buyer):
    """A complaint of another category (not the same complaint again), details skipped."""
    question = await next_reply(fake, buyer, lambda: fake.send_text(buyer, "快递一直没到"))
    question = await next_reply(
        fake, buyer, lambda: fake.press_button(buyer, question, "物流 / 未收到货")
    )
    while any(b.get("text") == "跳过" for b in question.buttons):
        question = await next_reply(
            fake, buyer, lambda q=question: fake.press_button(buyer, q, "跳过")
        )
    return await next_reply(fake, buyer, lambda: fake.press_button(buyer, question, "✅ 完成"))
