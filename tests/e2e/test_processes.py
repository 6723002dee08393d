"""Three bot processes on PostgreSQL behind one webhook URL, one SIGKILLed mid-load."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.nlu_model import free_port
from storage.db import create_engine
from storage.migrate import upgrade_database
from storage.models import InboxUpdate
from tests.conftest import postgres_schema
from tests.e2e.process import BotProcess
from tests.e2e.proxy import RoundRobin
from tests.fakes import FakeTelegram, FakeUser, Msg
from tests.fakes.rasa import FakeRasa, serve_fake_rasa

pytestmark = pytest.mark.postgres

BUYERS = 6
FOLLOW_UPS = 5


async def next_question(fake: FakeTelegram, buyer: FakeUser, act) -> Msg:
    before = len(fake.sent_to(buyer))
    act()
    return await fake.wait_for(
        lambda: next((m for m in fake.sent_to(buyer)[before:] if m.buttons), None),
        timeout=90, what=f"a question to {buyer.id}",
    )  # fmt: skip


async def file_and_follow_up(
    fake: FakeTelegram, buyer: FakeUser, filed: asyncio.Event, group, agent: FakeUser
) -> None:
    """Files a complaint step by step; an agent asks in its topic; the buyer answers by
    replying to the agent's message five times in quick succession."""
    question = await next_question(fake, buyer, lambda: fake.send_text(buyer, "东西坏了"))
    question = await next_question(
        fake, buyer, lambda: fake.press_button(buyer, question, "商品质量问题")
    )
    for _ in range(4):
        question = await next_question(
            fake, buyer, lambda q=question: fake.press_button(buyer, q, "跳过")
        )
    summary = await next_question(
        fake, buyer, lambda: fake.press_button(buyer, question, "✅ 完成")
    )
    submitted = await next_question(
        fake, buyer, lambda: fake.press_button(buyer, summary, "✅ 提交")
    )
    filed.set()
    number = "TS-" + submitted.content.split("TS-")[1][:13]
    card = await fake.wait_for(
        lambda: next((m for m in fake.sent_to(group) if m.buttons and number in m.content), None),
        timeout=90, what=f"the card of {number}",
    )  # fmt: skip
    fake.send_text(agent, f"请补充说明 {number}", chat=group, thread_id=card.thread_id)
    asked = await fake.wait_for(
        lambda: next((m for m in fake.sent_to(buyer) if "请补充说明" in (m.content or "")), None),
        timeout=90, what=f"the agent's question to {buyer.id}",
    )  # fmt: skip
    for i in range(FOLLOW_UPS):  # quickly, one after the other, without waiting for answers
        fake.send_text(buyer, f"补充{buyer.id}-{i}", reply_to=asked.id)


@pytest.mark.xfail(
    strict=False,
    reason="issue 11, still open: replies now go through the outbox and pass most runs, but "
    "in 3 of 9 runs one buyer's next question was missing after the kill (twice after a "
    "button press the survivor recovered; the cause is not found yet)",
)
async def test_three_processes_one_killed_mid_load(
    tmp_path: Path, telegram: tuple[FakeTelegram, str]
) -> None:
    fake, base_url = telegram
    agent = fake.add_user("王客服")
    group = fake.add_group("客服中心", is_forum=True, members={agent: "member"})
    ports = [free_port() for _ in range(3)]
    async with postgres_schema("e2e_procs") as database, RoundRobin(ports) as proxy:
        await upgrade_database(database)
        async with serve_fake_rasa(FakeRasa()) as rasa:
            bots = [
                BotProcess(
                    fake,
                    base_url,
                    {
                        "DATABASE_URL": database,
                        "DATA_DIR": str(tmp_path / f"data{i}"),
                        "LOG_LEVEL": "INFO",
                        "RASA_URL": rasa.url,
                        "SUPPORT_CHAT_ID": str(group.id),
                        "WEBHOOK_URL": f"http://127.0.0.1:{proxy.port}/telegram",
                        "WEBHOOK_LISTEN": "127.0.0.1",
                        "WEBHOOK_PORT": str(port),
                        "WEBHOOK_SECRET": "s3cret-token",
                        "TELEGRAM_MAX_MESSAGES_PER_SECOND": "0",
                        "TELEGRAM_GROUP_MESSAGES_PER_MINUTE": "6000",
                    },
                    tmp_path / f"bot{i}.log",
                )  # fmt: skip
                for i, port in enumerate(ports)
            ]
            try:
                for bot in bots:
                    await bot.start(ready_method="setWebhook")
                buyers = [
                    fake.add_user(f"买家{i}", language_code="zh-hans", started=True)
                    for i in range(BUYERS)
                ]
                filed = [asyncio.Event() for _ in buyers]
                load = [
                    asyncio.create_task(file_and_follow_up(fake, b, e, group, agent))
                    for b, e in zip(buyers, filed, strict=True)
                ]
                await asyncio.wait_for(filed[BUYERS // 2].wait(), timeout=120)
                bots[1].kill()  # in the middle of the load, with updates of every kind in flight
                await asyncio.gather(*load)
                expected = BUYERS * FOLLOW_UPS
                await fake.wait_for(
                    lambda: len([m for m in fake.sent_to(group) if "补充" in (m.content or "")])
                    >= expected or None,
                    timeout=120, what="every follow-up relayed to the group",
                )  # fmt: skip
                await asyncio.sleep(2.0)  # anything doubled would show by now
                for bot in (bots[0], bots[2]):
                    await bot.stop()
            finally:
                for bot in bots:
                    bot.kill()  # those still running after a failure
        rows = await _inbox(database)
    assert rows and all(row.done_at is not None for row in rows)
    in_group = fake.sent_to(group)
    for buyer in buyers:
        answers = fake.sent_to(buyer)
        assert sum("投诉已提交" in (m.content or "") for m in answers) == 1
        numbers = {m.content.split("TS-")[1][:13] for m in answers if "投诉已提交" in m.content}
        [number] = numbers
        cards = [m for m in in_group if m.buttons and f"TS-{number}" in (m.content or "")]
        asked = [m for m in answers if "请补充说明" in (m.content or "")]
        assert len(asked) == 1
        assert len(cards) == 1, f"{len(cards)} cards for TS-{number}"
        relayed = [
            m.content.split("\n")[-1] for m in in_group if f"补充{buyer.id}-" in (m.content or "")
        ]
        assert relayed == [f"补充{buyer.id}-{i}" for i in range(FOLLOW_UPS)]


async def _inbox(database: str) -> list:
    engine = create_engine(database)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(select(InboxUpdate))).all())
    finally:
        await engine.dispose()
