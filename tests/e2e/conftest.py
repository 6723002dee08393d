"""Fixtures of the end-to-end tests: the fake Bot API over HTTP, a database, the bot process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.migrate import upgrade_database
from tests.conftest import sqlite_url
from tests.e2e.process import BotProcess
from tests.fakes import FakeTelegram, serve_fake_telegram


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[FakeTelegram, str]]:
    fake = FakeTelegram()
    async with serve_fake_telegram(fake, webhook_retry_delay=0.2) as base_url:
        yield fake, base_url


@pytest.fixture
async def database(tmp_path: Path) -> str:
    url = sqlite_url(tmp_path / "e2e.sqlite3")
    await upgrade_database(url)
    return url


@pytest.fixture
async def bot_process(telegram, database: str, tmp_path: Path) -> AsyncIterator[BotProcess]:
    fake, base_url = telegram
    env = {"DATABASE_URL": database, "DATA_DIR": str(tmp_path / "data"), "LOG_LEVEL": "INFO"}
    process = BotProcess(fake, base_url, env, tmp_path / "bot.log")
    yield process
    await process.stop()
