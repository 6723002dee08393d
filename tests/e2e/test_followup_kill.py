"""The bot SIGKILLed after a buyer's follow-up joined its ticket, before its relay to the
agents was queued: after the restart it is relayed, once, and the buyer is told."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import Select, select

from storage.db import create_engine
from storage.migrate import upgrade_database
from storage.models import TicketMessage
from tests.conftest import postgres_schema
from tests.e2e.journey import inbox_rows, next_reply
from tests.e2e.kill_window import bot_env, filed_with_card, kill_with_outbox_locked
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
        env = bot_env(database, rasa.url, group, tmp_path)
        bot = BotProcess(fake, base_url, env, tmp_path / "bot.log")
        outside = create_engine(database)
        try:
            await bot.start()
            number, card = await filed_with_card(fake, buyer, group)
            asked = await next_reply(
                fake, buyer,
                lambda: fake.send_text(agent, "请补充说明", chat=group, thread_id=card.thread_id),
            )  # fmt: skip
            await kill_with_outbox_locked(  # the follow-up joins its ticket, its relay waits
                outside, bot,
                lambda: fake.send_text(buyer, "补充:东西是昨天到的", reply_to=asked.id),
                joined("补充:东西是昨天到的"),
            )  # fmt: skip
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


def joined(said: str) -> Select:
    """Finds the buyer's message once it is in the ticket."""
    return select(TicketMessage.id).where(TicketMessage.text == said)
