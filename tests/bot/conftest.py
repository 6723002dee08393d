"""A fresh bot world for each test: fake Bot API, fake Rasa, migrated SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.migrate import upgrade_database
from tests.bot.desk import Desk, open_desk
from tests.bot.world import World
from tests.conftest import FakeClock, sqlite_url
from tests.fakes import FakeTelegram
from tests.fakes.rasa import FakeRasa, serve_fake_rasa


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    url = sqlite_url(tmp_path / "bot.sqlite3")
    await upgrade_database(url)
    async with serve_fake_rasa(FakeRasa()) as rasa:
        clock = FakeClock(datetime(2026, 11, 21, 2, tzinfo=UTC))
        # Evidence files go to the test's folder, never to the working directory's data/.
        world = World(FakeTelegram(), rasa, clock, url, {"data_dir": tmp_path / "data"})
        await world.start()
        try:
            yield world
        finally:
            await world.stop()


@pytest.fixture(params=["forum", "plain"])
async def desk(world: World, request: pytest.FixtureRequest) -> Desk:
    """A linked agents' group (forum or plain) with one complaint already filed."""
    return await open_desk(world, forum=request.param == "forum")
