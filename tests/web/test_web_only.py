"""The web chat alone (no Telegram token): buyer delivery reaches web buyers through their
outbox; a Telegram buyer cannot be reached, and the service says so instead of crashing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import build_services
from bot.channels.delivery import ChannelUnavailable
from bot.channels.web.service import start_web_chat
from bot.settings import Settings
from bot.views.reply import Reply
from storage.migrate import upgrade_database
from tests.conftest import FakeClock, sqlite_url
from tests.web.page import Page, text_of


@pytest.fixture
async def alone(tmp_path: Path):
    url = sqlite_url(tmp_path / "alone.sqlite3")
    await upgrade_database(url)
    settings = Settings(
        _env_file=None, database_url=url, data_dir=tmp_path, web_port=0,
        rasa_url="http://127.0.0.1:9", nlu_timeout_seconds=0.5,
    )  # fmt: skip
    services = build_services(settings, FakeClock(datetime(2026, 11, 21, 2, tzinfo=UTC)), None)
    server = await start_web_chat(services, None)
    try:
        yield services, f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()
        await services.engine.dispose()


async def test_a_web_buyer_files_without_telegram_and_the_ticket_waits(alone) -> None:
    services, base = alone
    page = Page.open(base)
    try:
        await page.become_visitor()
        await page.connect()
        await page.say("我买的杯子碎了")  # the NLU server is away: the buyer picks the category
        await page.wait_text("类别")
        await page.press("商品质量问题")
        await page.wait_text("平台")
        await page.press("淘宝")
        for question in ("订单号", "店铺", "希望"):
            await page.wait_text(question)
            await page.press("跳过")
        await page.wait_text("证据")
        await page.press("✅ 完成")
        await page.wait_text("请核对")
        await page.press("✅ 提交")
        await page.wait_text("已提交")
        person = await services.web.visitors.find(page.cookie)
        [ticket] = await services.tickets.list_for_owner(person)
        assert ticket.group_card_message_id is None  # waits for the agents' group
        assert [t.number for t in await services.tickets.without_card()] == [ticket.number]
        await services.agents.tell_buyer(ticket, "您的投诉已受理")
        assert "您的投诉已受理" in text_of(await page.wait_text("已受理"))
    finally:
        await page.close()


async def test_a_telegram_buyer_cannot_be_reached_without_telegram(alone) -> None:
    services, _ = alone
    await services.people.get_or_create(4242, "李雷", "zh")
    with pytest.raises(ChannelUnavailable):
        await services.buyers.send(4242, Reply("hello"))
