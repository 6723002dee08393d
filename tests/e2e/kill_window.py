"""Killing the bot process inside a window: while Telegram holds its answer to a button
press, or while the outbox table is locked from outside so that nothing can be queued.

    async with bot_on_postgres(fake, base_url, group, tmp_path, "e2e_x") as rig:
        await rig.bot.start()
        ...                                      # a journey, then a kill_* window
        await restart_until_told(fake, rig.bot, buyer, "答复")
        rows = await inbox_rows(rig.database)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine
from storage.migrate import upgrade_database
from storage.models import OutboxMessage
from tests.conftest import postgres_schema
from tests.e2e.journey import next_reply, to_summary
from tests.e2e.process import BotProcess
from tests.fakes import FakeChat, FakeTelegram, FakeUser, Msg
from tests.fakes.rasa import FakeRasa, serve_fake_rasa


@dataclass(frozen=True)
class KillRig:
    database: str
    bot: BotProcess  # not started
    outside: AsyncEngine  # the test's own connection to the bot's database


@asynccontextmanager
async def bot_on_postgres(
    fake: FakeTelegram,
    base_url: str,
    group: FakeChat,
    tmp_path: Path,
    schema: str,
    **env: str,
) -> AsyncIterator[KillRig]:
    """A migrated PostgreSQL schema, a fake Rasa, the bot's process for them (environment
    `bot_env` plus `env`) and an engine of the test's own; on the way out the bot is killed
    and the engine closed."""
    async with postgres_schema(schema) as database, serve_fake_rasa(FakeRasa()) as rasa:
        await upgrade_database(database)
        environment = {**bot_env(database, rasa.url, group, tmp_path), **env}
        bot = BotProcess(fake, base_url, environment, tmp_path / "bot.log")
        outside = create_engine(database)
        try:
            yield KillRig(database, bot, outside)
        finally:
            bot.kill()
            await outside.dispose()


async def restart_until_told(
    fake: FakeTelegram,
    bot: BotProcess,
    chat: FakeUser | FakeChat,
    wanted: str,
    *,
    after: int = 0,
    what: str = "the message told again",
    settle: float = 1.5,
) -> None:
    """Starts the bot again, waits until `chat` is sent a message (past the first `after`)
    holding `wanted`, lets what follows it arrive for `settle` seconds, and stops the bot."""
    await bot.start()
    await fake.wait_for(
        lambda: any(wanted in (m.content or "") for m in fake.sent_to(chat)[after:]) or None,
        timeout=30, what=what,
    )  # fmt: skip
    await asyncio.sleep(settle)
    await bot.stop()


async def queued_texts(database: str) -> list[str]:
    """The text of every message in the outbox, sent or not."""
    engine = create_engine(database)
    try:
        async with engine.connect() as connection:
            payloads = (await connection.execute(select(OutboxMessage.payload))).scalars()
            return [p.get("text") or "" for p in payloads]
    finally:
        await engine.dispose()


async def until(condition: Callable[[], Any], timeout: float = 30.0) -> None:  # noqa: ASYNC109
    """Polls: the fake notifies its waiters only once a held answer is released."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def until_in_database(
    engine: AsyncEngine,
    query: Select,
    accept: Callable[[Any], bool] = lambda value: value is not None,
    timeout: float = 30.0,  # noqa: ASYNC109
) -> None:
    """Polls the database from outside the bot until the query's first value is accepted."""
    async with asyncio.timeout(timeout):
        while True:
            async with engine.connect() as connection:
                if accept((await connection.execute(query)).scalar()):
                    return
            await asyncio.sleep(0.05)


async def kill_while_press_is_answered(fake: FakeTelegram, bot: BotProcess, press) -> None:
    """`press()` a button, and kill the bot while Telegram holds the answer to it."""
    release = fake.hold_answers("answerCallbackQuery")
    mark = len(fake.calls)
    press()
    await until(lambda: any(c.method == "answerCallbackQuery" for c in fake.calls[mark:]))
    bot.kill()
    release.set()


async def kill_with_outbox_locked(
    engine: AsyncEngine, bot: BotProcess, act, written: Select, accept=lambda v: v is not None
) -> None:
    """`act()` while nothing can be queued, and kill the bot once `written` finds what the
    act stored (its delivery still waiting for the lock)."""
    async with engine.connect() as lock:
        await lock.execute(text("LOCK TABLE outbox IN EXCLUSIVE MODE"))
        act()
        await until_in_database(engine, written, accept)
        await asyncio.sleep(0.5)
        bot.kill()
        await lock.rollback()


def bot_env(database: str, rasa_url: str, group: FakeChat, tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database, "DATA_DIR": str(tmp_path / "data"), "LOG_LEVEL": "INFO",
        "RASA_URL": rasa_url, "SUPPORT_CHAT_ID": str(group.id),
    }  # fmt: skip


async def filed_with_card(fake: FakeTelegram, buyer: FakeUser, group: FakeChat) -> tuple[str, Msg]:
    """A complaint filed step by step; its number and its card in the group."""
    summary = await to_summary(fake, buyer)
    submitted = await next_reply(fake, buyer, lambda: fake.press_button(buyer, summary, "✅ 提交"))
    number = "TS-" + submitted.content.split("TS-")[1][:13]
    card = await fake.wait_for(
        lambda: next((m for m in fake.sent_to(group) if number in (m.content or "")), None),
        timeout=30, what="the card",
    )  # fmt: skip
    return number, card
