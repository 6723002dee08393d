"""Cancel means cancel, at every question the bot asks: /cancel, a cancel word, or what the
model understands as cancelling drops the question, and nothing of it reaches a ticket."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import create_session_factory, transaction
from storage.lifecycle import TicketStatus
from storage.models import AuthorKind, TicketMessage
from tests.bot.checks import STEPS, shown, walk_to
from tests.bot.desk import Desk, open_desk
from tests.bot.test_aftercare_flow import resolve
from tests.bot.world import World, texts
from tests.fakes import FakeUser

PHRASE = "我不想提交了"  # the model's cancel intent, not one of the fixed words
WAYS = ("command", "word", "phrase")


async def cancel(world: World, buyer: FakeUser, way: str):
    """Cancels the way `way` says; returns the bot's answers."""
    if way == "command":
        return await world.command(buyer, "cancel")
    if way == "phrase":
        world.rasa.understands(PHRASE, "cancel", 0.93)
        return await world.say(buyer, PHRASE)
    return await world.say(buyer, "取消")


async def buyer_messages(world: World) -> list[str | None]:
    sessions = create_session_factory(world.services.engine)
    async with transaction(sessions, read_only=True) as session:
        query = select(TicketMessage.text).where(TicketMessage.author_kind == AuthorKind.BUYER)
        return list(await session.scalars(query))


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("step", STEPS)
async def test_cancel_at_every_intake_question(world: World, step: str, way: str) -> None:
    buyer = world.buyer()
    await walk_to(world, buyer, step)
    replies = await cancel(world, buyer, way)
    assert replies[-1].content == shown("intake.cancelled")
    assert await world.services.intake.current(buyer.id) is None
    assert await world.services.tickets.list_for_owner(buyer.id) == []


@pytest.mark.parametrize("way", WAYS)
async def test_cancel_while_editing_from_the_summary(world: World, way: str) -> None:
    buyer = world.buyer()
    summary = await walk_to(world, buyer, "summary")
    menu = await world.press(buyer, summary, "✏️ 修改")
    await world.press(buyer, menu[-1], "店铺")  # the shop question again, while editing
    replies = await cancel(world, buyer, way)
    assert replies[-1].content == shown("intake.cancelled")
    assert await world.services.intake.current(buyer.id) is None


@pytest.fixture
async def forum(world: World) -> Desk:
    return await open_desk(world, forum=True)


@pytest.mark.parametrize("way", WAYS)
async def test_cancel_at_which_ticket_drops_the_held_messages(forum: Desk, way: str) -> None:
    world, buyer = forum.world, forum.buyer
    await world.services.tickets.file_ticket(buyer.id, category="delivery", description="快递")
    asked = await world.say(buyer, "商家还是没有回复我")
    assert "这条消息属于哪一张投诉" in asked[-1].content
    before = texts(await forum.thread())
    replies = await cancel(world, buyer, way)
    assert replies[-1].content == shown("followup.cancelled_held", count=1)
    assert await world.services.intake.current(buyer.id) is None
    assert await buyer_messages(world) == []
    assert texts(await forum.thread()) == before  # nothing relayed to the agents
    await world.press(buyer, asked[-1], asked[-1].buttons[0]["text"], replies=0)
    assert await buyer_messages(world) == []  # the old question's buttons no longer place it


@pytest.mark.parametrize("way", WAYS)
async def test_cancel_at_the_rating_comment(forum: Desk, way: str) -> None:
    world, buyer = forum.world, forum.buyer
    await resolve(forum)
    replies = await world.press(buyer, world.fake.sent_to(buyer)[-1], "⭐⭐⭐⭐", replies=2)
    assert "还想补充几句" in replies[-1].content
    replies = await cancel(world, buyer, way)
    assert replies[-1].content == shown("rating.comment_cancelled")
    assert await world.services.intake.current(buyer.id) is None
    ticket = await forum.ticket()
    assert (await world.services.tickets.rating_of(ticket.id)).comment is None


@pytest.mark.parametrize("way", WAYS)
async def test_cancel_at_the_review_reason(forum: Desk, way: str) -> None:
    world, buyer = forum.world, forum.buyer
    await resolve(forum)
    replies = await world.press(buyer, world.fake.sent_to(buyer)[-1], "⭐⭐", replies=4)
    choices = next(m for m in replies if "申请复核" in str(m.buttons))
    asked = await world.press(buyer, choices, "🔁 申请复核")
    assert "申请复核的理由" in asked[-1].content
    replies = await cancel(world, buyer, way)
    number = (await forum.ticket()).number
    assert replies[-1].content == shown("rating.review_cancelled", number=number)
    assert await world.services.intake.current(buyer.id) is None
    assert (await forum.ticket()).status is TicketStatus.RESOLVED
