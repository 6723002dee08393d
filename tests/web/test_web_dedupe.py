"""A web buyer is told of each change once, however often it is told: the recovery after a
kill tells the changes an interrupted update made again (bot/handlers/recovery.py), and the
web chat's outbox keeps one message per key, as the Telegram outbox does."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import build_services
from bot.channels.web.service import start_web_chat
from bot.settings import Settings
from bot.views.reply import Reply
from storage.lifecycle import TicketStatus
from storage.migrate import upgrade_database
from tests.conftest import FakeClock
from tests.web.page import text_of


@pytest.fixture
async def web_alone(empty_database_url: str, tmp_path: Path):
    """The web chat without Telegram, on each backend."""
    await upgrade_database(empty_database_url)
    settings = Settings(
        _env_file=None, database_url=empty_database_url, data_dir=tmp_path, web_port=0,
        rasa_url="http://127.0.0.1:9", nlu_timeout_seconds=0.5,
    )  # fmt: skip
    services = build_services(settings, FakeClock(datetime(2026, 11, 21, 2, tzinfo=UTC)), None)
    server = await start_web_chat(services, None)
    try:
        yield services
    finally:
        await server.stop()
        await services.engine.dispose()


async def _web_ticket(services):
    visitor = await services.web.visitors.create("zh")
    ticket = await services.tickets.file_ticket(
        visitor.person_id, category="product_quality", description="杯子碎了"
    )
    return visitor.person_id, ticket


async def _shown(services, person_id: int) -> list[str]:
    return [text_of(stored.payload) for stored in await services.web.outbox.since(person_id, 0)]


async def test_a_status_change_told_again_reaches_the_web_buyer_once(web_alone) -> None:
    services = web_alone
    person_id, ticket = await _web_ticket(services)
    changed = await services.tickets.change_status(ticket.number, TicketStatus.ACCEPTED, None)
    for _ in range(2):  # the first handling, then the recovery's (the same change)
        await services.agents.status_changed(changed, TicketStatus.NEW, "王客服")
    shown = await _shown(services, person_id)
    assert len([s for s in shown if "状态更新" in s]) == 1, shown
    news = await services.tickets.latest_public_text(ticket.id)
    assert news is not None and "状态更新" in news
    # The next change is a change of its own: told too.
    later = await services.tickets.change_status(ticket.number, TicketStatus.INVESTIGATING, None)
    await services.agents.status_changed(later, TicketStatus.ACCEPTED, "王客服")
    assert len([s for s in await _shown(services, person_id) if "状态更新" in s]) == 2


async def test_a_decision_told_again_reaches_the_web_buyer_once_with_its_buttons(
    web_alone,
) -> None:
    services = web_alone
    person_id, ticket = await _web_ticket(services)
    for status in (TicketStatus.ACCEPTED, TicketStatus.INVESTIGATING):
        ticket = await services.tickets.change_status(ticket.number, status, None)
    resolved = await services.tickets.change_status(ticket.number, TicketStatus.RESOLVED, None)
    for _ in range(2):
        await services.agents.status_changed(
            resolved, TicketStatus.INVESTIGATING, "王客服", "商家已退款"
        )
    stored = await services.web.outbox.since(person_id, 0)
    decisions = [s for s in stored if "商家已退款" in text_of(s.payload)]
    assert len(decisions) == 1, [s.payload for s in stored]
    assert decisions[0].payload.get("buttons"), decisions[0].payload  # the rating buttons


async def test_a_keyed_message_is_stored_once_and_plain_ones_each_time(web_alone) -> None:
    services = web_alone
    person_id, _ = await _web_ticket(services)
    first = await services.buyers.send(person_id, Reply("答复一"), dedupe="answer:1")
    again = await services.buyers.send(person_id, Reply("答复一"), dedupe="answer:1")
    assert first is not None and again is None
    await services.buyers.send(person_id, Reply("你好"))
    await services.buyers.send(person_id, Reply("你好"))
    assert await _shown(services, person_id) == ["答复一", "你好", "你好"]
    assert await services.buyers.sent_before(person_id, ["answer:1", "answer:2"]) == {"answer:1"}
