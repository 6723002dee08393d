"""The web chat beside the bot: fake Bot API, fake Rasa, migrated SQLite, a real uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.migrate import upgrade_database
from tests.bot.world import World
from tests.conftest import FakeClock, sqlite_url
from tests.fakes import FakeTelegram
from tests.fakes.rasa import FakeRasa, serve_fake_rasa
from tests.web.page import Page


class WebWorld(World):
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.app.bot_data.web_server.port}"

    def page(self, origin: str | None = None) -> Page:
        page = Page.open(self.base, origin)
        self.pages.append(page)
        return page


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[WebWorld]:
    url = sqlite_url(tmp_path / "web.sqlite3")
    await upgrade_database(url)
    async with serve_fake_rasa(FakeRasa()) as rasa:
        clock = FakeClock(datetime(2026, 11, 21, 2, tzinfo=UTC))
        world = WebWorld(FakeTelegram(), rasa, clock, url)
        world.settings_overrides.update(
            web_enabled=True, web_port=0, web_host="127.0.0.1", data_dir=tmp_path / "data"
        )
        world.pages = []
        await world.start()
        try:
            yield world
        finally:
            for page in world.pages:
                await page.close()
            await world.stop()
