"""Faults while the bot runs as its own process: nothing the buyer sent is lost."""

from __future__ import annotations

import asyncio
import sqlite3

from bot.nlu_model import free_port
from tests.e2e.journey import next_reply, tickets_of, to_summary, unsent
from tests.e2e.process import BotProcess
from tests.fakes.rasa import FakeRasa, serve_fake_rasa

DESCRIPTION = "京东买的耳机用了一周就没声音了"


async def test_killed_at_every_intake_step_the_buyer_continues(
    telegram, bot_process: BotProcess, database: str
) -> None:
    fake, _ = telegram
    buyer = fake.add_user("李雷", language_code="zh-hans", started=True)
    async with serve_fake_rasa(FakeRasa()) as rasa:
        rasa.understands(DESCRIPTION, "product_quality", 0.91, platform="jd")
        bot_process.env["RASA_URL"] = rasa.url

        async def restart() -> None:
            bot_process.kill()
            await bot_process.start()

        await bot_process.start()
        question = await next_reply(fake, buyer, lambda: fake.send_text(buyer, DESCRIPTION))
        steps = [
            lambda q: fake.press_button(buyer, q, "✅ 对"),  # the platform came with the text
            lambda q: fake.send_text(buyer, "4012345678901234567"),
            lambda q: fake.send_text(buyer, "数码专营店"),
            lambda q: fake.press_button(buyer, q, "退款"),
            lambda q: fake.send_photo(buyer, caption="没声音"),
            lambda q: fake.press_button(buyer, q, "✅ 完成"),
            lambda q: fake.press_button(buyer, q, "✅ 提交"),
        ]
        for step in steps:
            await restart()
            question = await next_reply(fake, buyer, lambda step=step, q=question: step(q))
        assert "投诉已提交" in question.content
        await bot_process.stop()
    [ticket] = await tickets_of(database, buyer)
    assert (ticket.category, ticket.platform, ticket.order_number, ticket.shop) == (
        "product_quality", "jd", "4012345678901234567", "数码专营店",
    )  # fmt: skip
    assert bot_process.starts == len(steps) + 1


async def test_nlu_away_and_back_mid_conversation(telegram, bot_process: BotProcess) -> None:
    fake, _ = telegram
    buyer = fake.add_user("李雷", language_code="zh-hans", started=True)
    port = free_port()
    bot_process.env["RASA_URL"] = f"http://127.0.0.1:{port}"
    rasa = FakeRasa()
    rasa.understands(DESCRIPTION, "product_quality", 0.91)
    async with serve_fake_rasa(rasa, port):
        await bot_process.start()
        first = await next_reply(fake, buyer, lambda: fake.send_text(buyer, DESCRIPTION))
        assert "商品质量问题" in first.content
        await next_reply(fake, buyer, lambda: fake.send_command(buyer, "cancel"))
    away = await next_reply(fake, buyer, lambda: fake.send_text(buyer, DESCRIPTION))
    assert "自动识别暂时不可用" in away.content and len(away.buttons) >= 12
    await next_reply(fake, buyer, lambda: fake.send_command(buyer, "cancel"))
    async with serve_fake_rasa(rasa, port):
        back = await next_reply(fake, buyer, lambda: fake.send_text(buyer, DESCRIPTION))
        assert "我理解为" in back.content
        await bot_process.stop()
    assert "NLU server unavailable" in bot_process.log()


async def test_bot_api_429_and_5xx_are_retried_without_duplicates(
    telegram, bot_process: BotProcess, database: str
) -> None:
    fake, _ = telegram
    buyer = fake.add_user("李雷", language_code="zh-hans", started=True)
    async with serve_fake_rasa(FakeRasa()) as rasa:
        bot_process.env["RASA_URL"] = rasa.url
        await bot_process.start()
        summary = await to_summary(fake, buyer)
        fake.fail_next("sendMessage", 2, status=429, retry_after=1)
        fake.fail_next("editMessageReplyMarkup", 2, status=502)
        filed = await next_reply(fake, buyer, lambda: fake.press_button(buyer, summary, "✅ 提交"))
        assert "投诉已提交" in filed.content
        await bot_process.stop()
    assert len(await tickets_of(database, buyer)) == 1
    assert [c.ok for c in fake.calls_of("sendMessage")].count(False) == 2


async def test_a_locked_database_holds_the_update_until_it_is_free(
    telegram, bot_process: BotProcess, database: str
) -> None:
    """The update cannot be stored, so Telegram keeps it; once the database is free again it
    is stored and answered, without the buyer pressing twice."""
    fake, _ = telegram
    buyer = fake.add_user("李雷", language_code="zh-hans", started=True)
    path = database.removeprefix("sqlite+aiosqlite:///")
    async with serve_fake_rasa(FakeRasa()) as rasa:
        bot_process.env.update(RASA_URL=rasa.url, DATABASE_BUSY_TIMEOUT_SECONDS="0.5")
        await bot_process.start()
        question = await next_reply(fake, buyer, lambda: fake.send_text(buyer, "东西坏了"))
        lock = sqlite3.connect(path, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        before = len(fake.sent_to(buyer))
        try:
            fake.press_button(buyer, question, "商品质量问题")
            await asyncio.sleep(3)
            assert len(fake.sent_to(buyer)) == before
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        answered = await fake.wait_for_sent(buyer, before + 1, timeout=30)
        assert "哪个平台" in answered[-1].content
        await bot_process.stop()
    assert "Could not store 1 updates (OperationalError)" in bot_process.log_file.read_text()


async def test_webhook_mode_with_a_kill_loses_nothing(
    telegram, bot_process: BotProcess, database: str
) -> None:
    fake, _ = telegram
    buyer = fake.add_user("Anna", language_code="en", started=True)
    port = free_port()
    bot_process.env.update(
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEBHOOK_SECRET="s3cret-token",
    )
    async with serve_fake_rasa(FakeRasa()) as rasa:
        bot_process.env["RASA_URL"] = rasa.url
        await bot_process.start(ready_method="setWebhook")
        hello = await next_reply(fake, buyer, lambda: fake.send_command(buyer, "start"), count=2)
        assert "Just type your problem" in hello.content
        # Killed at rest: a kill in the moment between Telegram taking a message and the bot
        # recording it sends that message again (at least once, tests/e2e/test_inbox.py).
        async with asyncio.timeout(10):
            while await unsent(database):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        bot_process.kill()
        before = len(fake.sent_to(buyer))
        fake.send_command(buyer, "help")  # arrives while the bot is down
        await bot_process.start(ready_method="setWebhook")
        sent = await fake.wait_for_sent(buyer, before + 1, timeout=30)
        assert "What I can do for you" in sent[-1].content
        await bot_process.stop()
