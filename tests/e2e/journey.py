"""What the end-to-end tests share: a buyer's steps through the intake, and one-off reads
of the bot's database from outside the bot process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.tickets import TicketService
from storage.db import create_engine, create_session_factory
from storage.models import InboxUpdate, OutboxMessage
from tests.fakes import FakeTelegram, FakeUser, Msg

T = TypeVar("T")


async def next_reply(fake: FakeTelegram, buyer: FakeUser, act, count: int = 1) -> Msg:
    before = len(fake.sent_to(buyer))
    act()
    sent = await fake.wait_for_sent(buyer, before + count, timeout=30)
    return sent[-1]


async def to_summary(fake: FakeTelegram, buyer: FakeUser) -> Msg:
    """A short description, the category by button, the four details skipped, no evidence:
    the summary with its Submit button."""
    question = await next_reply(fake, buyer, lambda: fake.send_text(buyer, "东西坏了"))
    question = await next_reply(
        fake, buyer, lambda: fake.press_button(buyer, question, "商品质量问题")
    )
    for _ in range(4):
        question = await next_reply(
            fake, buyer, lambda q=question: fake.press_button(buyer, q, "跳过")
        )
    return await next_reply(fake, buyer, lambda: fake.press_button(buyer, question, "✅ 完成"))


async def reading(database: str, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """`work` on an engine of its own, disposed afterwards."""
    engine = create_engine(database)
    try:
        return await work(engine)
    finally:
        await engine.dispose()


async def tickets_of(database: str, buyer: FakeUser):
    async def work(engine: AsyncEngine):
        return await TicketService(create_session_factory(engine)).list_for_owner(buyer.id)

    return await reading(database, work)


async def inbox_rows(database: str) -> list:
    async def work(engine: AsyncEngine) -> list:
        async with engine.connect() as connection:
            result = await connection.execute(select(InboxUpdate).order_by(InboxUpdate.update_id))
            return list(result.all())

    return await reading(database, work)


async def unsent(database: str) -> int:
    """Messages queued in the outbox that the bot has not recorded as sent."""

    async def work(engine: AsyncEngine) -> int:
        query = select(func.count()).where(OutboxMessage.sent_at.is_(None))
        async with engine.connect() as connection:
            return (await connection.execute(query)).scalar_one()

    return await reading(database, work)
