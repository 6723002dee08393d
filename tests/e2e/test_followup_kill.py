"""The bot SIGKILLed after a buyer's follow-up joined its ticket, before its relay to the
agents was queued: after the restart it is relayed, once, and the buyer is told."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select, text

from storage.db import create_engine
from storage.migrate import upgrade_database
from storage.models import TicketMessage
from tests.conftest import postgres_schema
from tests.e2e.journey import inbox_rows, next_reply, to_summary
from tests.e2e.process import BotProcess
from tests.fakes import FakeTelegram
from tests.fakes.rasa import FakeRasa, serve_fake_rasa

pytestmark = pytest.mark.postgres


async def test_killed_before_a_followup_was_relayed_it_is_relayed_after_restart(
    tmp_path: Path, telegram: tuple[FakeTelegram, str]
) -> None:
    fake, base_url = telegram
    buyer = fake.add_user("李雷", language_code="zh-hans", started=True)
    agent = fake.add_user("王客服")
    group = fake.add_group("客服中心", is_forum=True, members={agent: "member"})
    async with postgres_schema("e2e_followup") as database, serve_fake_rasa(FakeRasa()) as rasa:
        await upgrade_database(database)
        env = {
            "DATABASE_URL": database, "DATA_DIR": str(tmp_path / "data"), "LOG_LEVEL": "INFO",
            "RASA_URL": rasa.url, "SUPPORT_CHAT_ID": str(group.id),
        }  # fmt: skip
        bot = BotProcess(fake, base_url, env, tmp_path / "bot.log")
        outside = create_engine(database)
        try:
            await bot.start()
            summary = await to_summary(fake, buyer)
            submitted = await next_reply(
                fake, buyer, lambda: fake.press_button(buyer, summary, "✅ 提交")
            )
            number = "TS-" + submitted.content.split("TS-")[1][:13]
            card = await fake.wait_for(
                lambda: next((m for m in fake.sent_to(group) if number in (m.content or "")), None),
                timeout=30, what="the card",
            )  # fmt: skip
            asked = await next_reply(
                fake, buyer,
                lambda: fake.send_text(agent, "请补充说明", chat=group, thread_id=card.thread_id),
            )  # fmt: skip
            async with outside.connect() as lock:
                # Nothing can be queued now: the follow-up joins its ticket, its relay waits.
                await lock.execute(text("LOCK TABLE outbox IN EXCLUSIVE MODE"))
                fake.send_text(buyer, "补充:东西是昨天到的", reply_to=asked.id)
                await _until_joined(outside, "补充:东西是昨天到的")
                await asyncio.sleep(0.5)
                bot.kill()
                await lock.rollback()
            before = len(fake.sent_to(buyer))
            await bot.start()
            await fake.wait_for(
                lambda: any("昨天到的" in (m.content or "") for m in fake.sent_to(group)) or None,
                timeout=30, what="the follow-up relayed to the group",
            )  # fmt: skip
            await fake.wait_for_sent(buyer, before + 1, timeout=30)
            await asyncio.sleep(1.0)
            await bot.stop()
        finally:
            bot.kill()
            await outside.dispose()
        rows = await inbox_rows(database)
    assert len([m for m in fake.sent_to(group) if "昨天到的" in (m.content or "")]) == 1
    told = fake.sent_to(buyer)[before:]
    assert len(told) == 1 and number in told[0].content
    assert all(row.done_at is not None for row in rows)


async def _until_joined(engine, said: str, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    """Polls the database from outside the bot until the follow-up is in the ticket."""
    query = select(TicketMessage.id).where(TicketMessage.text == said)
    async with asyncio.timeout(timeout):
        while True:
            async with engine.connect() as connection:
                if (await connection.execute(query)).first() is not None:
                    return
            await asyncio.sleep(0.05)
