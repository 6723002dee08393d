"""The agents' group through the outbox: the buyer never waits for it, a card goes once."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

from bot.handlers import jobs
from tests.bot.checks import nothing_broke
from tests.bot.world import World, texts
from tests.fakes import FakeChat, FakeUser, Msg


async def linked_group(world: World) -> FakeChat:
    fake = world.fake
    supervisor = fake.add_user("主管", started=True)
    group = fake.add_group("客服中心", is_forum=True, members={supervisor: "administrator"})
    world.settings_overrides["admin_ids"] = [supervisor.id]
    await world.restart()
    fake.send_command(supervisor, "link", chat=group)
    await world.settle(quiet=0.1)
    assert "已把本群设为客服群" in texts(fake.sent_to(group))
    return group


async def up_to_summary(world: World, buyer: FakeUser, text: str) -> Msg:
    replies = await world.say(buyer, text)
    replies = await world.press(buyer, replies[-1], "商品质量问题")
    replies = await world.press(buyer, replies[-1], "淘宝")
    for _ in range(3):
        replies = await world.press(buyer, replies[-1], "跳过")
    return (await world.press(buyer, replies[-1], "✅ 完成"))[-1]


def cards_of(fake, group: FakeChat, number: str) -> list[Msg]:
    return [m for m in fake.sent_to(group) if m.buttons and number in (m.content or "")]


async def test_the_ticket_number_reaches_the_buyer_while_the_group_is_slow(world: World) -> None:
    group = await linked_group(world)
    buyers = [world.buyer(f"买家{i}") for i in range(3)]
    summaries = [await up_to_summary(world, b, f"第{i}个杯子碎了") for i, b in enumerate(buyers)]
    # Telegram holds the group to about 20 messages a minute: each post answered 2 s late.
    world.fake.slow_down("createForumTopic", 2.0)
    world.fake.slow_down("sendMessage", 2.0, chat_id=group.id)
    waits = []
    for buyer, summary in zip(buyers, summaries, strict=True):
        before = len(world.fake.sent_to(buyer))
        started = time.perf_counter()
        world.fake.press_button(buyer, summary, "✅ 提交")
        filed = await world.fake.wait_for_sent(buyer, before + 1, timeout=30)
        waits.append(time.perf_counter() - started)
        assert "投诉已提交" in filed[-1].content
    assert max(waits) < 1.0, waits
    await world.settle(quiet=0.1)
    for buyer in buyers:  # and the group got every card, in the order they were filed
        [ticket] = await world.services.tickets.list_for_owner(buyer.id)
        assert len(cards_of(world.fake, group, ticket.number)) == 1


async def test_the_pending_cards_job_never_posts_a_second_card(world: World) -> None:
    group = await linked_group(world)
    buyer = world.buyer()
    summary = await up_to_summary(world, buyer, "杯子碎了")
    release = world.fake.hold_answers("sendMessage", chat_id=group.id)
    before = len(world.fake.sent_to(buyer))
    world.fake.press_button(buyer, summary, "✅ 提交")
    await world.fake.wait_for_sent(buyer, before + 1, timeout=10)
    [ticket] = await world.services.tickets.list_for_owner(buyer.id)
    posted = lambda: cards_of(world.fake, group, ticket.number) or None  # noqa: E731
    await world.fake.wait_for(posted, timeout=10)
    context = SimpleNamespace(bot_data=world.app.bot_data, bot=world.app.bot)
    for _ in range(3):  # the job comes round while the first card's answer is held back
        await jobs.post_pending_cards(context)
        await asyncio.sleep(0.2)
    release.set()
    await world.settle(quiet=0.2)
    await jobs.post_pending_cards(context)
    await world.settle(quiet=0.2)
    assert len(cards_of(world.fake, group, ticket.number)) == 1
    assert (await world.services.tickets.get(ticket.number)).group_card_message_id is not None


async def test_stopping_does_not_wait_for_the_group(world: World) -> None:
    group = await linked_group(world)
    buyer = world.buyer()
    world.fake.hold_answers("sendMessage", chat_id=group.id)  # never answered
    summary = await up_to_summary(world, buyer, "杯子碎了")
    before = len(world.fake.sent_to(buyer))
    world.fake.press_button(buyer, summary, "✅ 提交")
    await world.fake.wait_for_sent(buyer, before + 1, timeout=10)
    started = time.perf_counter()
    await world.stop()
    assert time.perf_counter() - started < 5.0


async def test_a_refresh_that_changes_nothing_is_not_sent(world: World, caplog) -> None:
    """Each card edit counts against the group's 20 messages a minute: two refreshes queued
    for one change (a burst of updates) edit the card once, and no edit is refused."""
    group = await linked_group(world)
    buyer = world.buyer()
    summary = await up_to_summary(world, buyer, "杯子碎了")
    await world.press(buyer, summary, "✅ 提交")
    await world.settle(quiet=0.2)
    [ticket] = await world.services.tickets.list_for_owner(buyer.id)
    agent = await world.services.people.get_or_create(4242)
    await world.services.tickets.assign(ticket.number, agent.id, None)
    ticket = await world.services.tickets.get(ticket.number)
    edits = len(world.fake.calls_of("editMessageText"))

    for _ in range(3):
        await world.services.agents.refresh_card(ticket)
    await world.settle(quiet=0.2)

    assert len(world.fake.calls_of("editMessageText")) == edits + 1
    [card] = cards_of(world.fake, group, ticket.number)
    assert "4242" in card.content
    nothing_broke(world, caplog)
