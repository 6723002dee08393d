"""The bot SIGKILLed while a Submit press is handled: after the restart the buyer has the
ticket's number once, then the opening of the ticket's topic in their chat, once (the bot
has topics in private chats)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from storage.models import Ticket
from tests.e2e.journey import inbox_rows, to_summary
from tests.e2e.kill_window import (
    bot_on_postgres,
    kill_while_press_is_answered,
    kill_with_outbox_locked,
    restart_until_told,
)
from tests.fakes import FakeTelegram

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
    async with bot_on_postgres(fake, base_url, group, tmp_path, "e2e_submit") as rig:
        await rig.bot.start()
        summary = await to_summary(fake, buyer)
        before = len(fake.sent_to(buyer))
        press = lambda: fake.press_button(buyer, summary, "✅ 提交")  # noqa: E731
        if window == "outbox_locked":
            filed = select(Ticket.number).where(Ticket.owner_id == buyer.id)
            await kill_with_outbox_locked(rig.outside, rig.bot, press, filed)
        else:
            await kill_while_press_is_answered(fake, rig.bot, press)
        await restart_until_told(fake, rig.bot, buyer, INTRO,
                                 what="the opening of the ticket's topic")  # fmt: skip
        rows = await inbox_rows(rig.database)
    told = [m for m in fake.sent_to(buyer)[before:] if SUBMITTED in m.content or INTRO in m.content]
    assert [SUBMITTED in m.content for m in told] == [True, False], [m.content for m in told]
    submitted, intro = told
    number = "TS-" + submitted.content.split("TS-")[1][:13]
    assert number in intro.content and intro.thread_id is not None
    assert submitted.thread_id is None
    assert len([m for m in fake.sent_to(group) if m.buttons and number in m.content]) == 1
    assert all(row.done_at is not None for row in rows)
