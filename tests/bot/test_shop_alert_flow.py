"""The shop alert in the agents' group: posted once per shop and week, listing the tickets."""

from __future__ import annotations

from sqlalchemy import update
from telegram.ext import CallbackContext

from bot.handlers.report_jobs import alert_busy_shops
from storage.db import create_engine, create_session_factory, transaction
from storage.models import Ticket
from tests.bot.desk import Desk, file_complaint


async def _name_shop(desk: Desk, shop: str) -> None:
    engine = create_engine(desk.world.database_url)
    try:
        async with transaction(create_session_factory(engine)) as session:
            await session.execute(update(Ticket).values(shop=shop))
    finally:
        await engine.dispose()


async def test_the_group_hears_once_a_week_about_a_shop_with_many_complaints(desk: Desk) -> None:
    world = desk.world
    world.settings_overrides["shop_alert_threshold"] = 1
    await world.restart()
    other = world.buyer("韩梅梅")
    await file_complaint(world, other, "杯子也碎了")
    await _name_shop(desk, "好物 旗舰店")
    numbers = [
        (await world.services.tickets.list_for_owner(buyer.id))[0].number
        for buyer in (desk.buyer, other)
    ]
    before = len(desk.fake.sent_to(desk.group))

    await alert_busy_shops(CallbackContext(world.app))
    await alert_busy_shops(CallbackContext(world.app))
    await world.settle()

    alerts = [m for m in desk.fake.sent_to(desk.group)[before:] if "好物 旗舰店" in m.content]
    assert len(alerts) == 1
    assert "最近 7 天已有 2 件投诉" in alerts[0].content
    assert all(number in alerts[0].content for number in numbers)

    world.clock.advance(days=2)  # Monday: a new week, both complaints still within 7 days
    await alert_busy_shops(CallbackContext(world.app))
    await world.settle()
    alerts = [m for m in desk.fake.sent_to(desk.group)[before:] if "好物 旗舰店" in m.content]
    assert len(alerts) == 2
