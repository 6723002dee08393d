"""Bad button presses in the buyer's chat: forged, stale, someone else's, twice at once."""

from __future__ import annotations

import pytest

from tests.bot.checks import answer_to, nothing_broke, shown, still_serves, walk_to
from tests.bot.world import World

STALE = {"text": shown("common.stale_button"), "alert": True}
NOT_YOURS = {"text": shown("common.not_your_button"), "alert": True}

FORGED = {
    "random-string": lambda token, other: "x7$Qz!~ 随机",
    "over-long": lambda token, other: f"cat|product_quality|{token}" + "0" * 40,
    "wrong-action": lambda token, other: f"evdone||{token}",
    "unknown-category": lambda token, other: f"cat|nuclear_war|{token}",
    "unknown-step": lambda token, other: f"edit|everything|{token}",
    "other-drafts-token": lambda token, other: f"cat|product_quality|{other}",
    "unknown-language": lambda token, other: "lang|klingon",
}


async def press_raw(world: World, user, message, data: str) -> dict:
    """Sends a button press with any data and waits until the bot is done with it."""
    update = world.fake.send_callback_query(user, message, data)
    await world.settle(quiet=0.2)
    return update


@pytest.mark.parametrize("forge", FORGED.values(), ids=FORGED.keys())
async def test_forged_button_data_is_refused(world: World, caplog, forge) -> None:
    buyer, stranger = world.buyer(), world.buyer("陌生人")
    question = await walk_to(world, buyer, "category")
    await walk_to(world, stranger, "category")
    token = (await world.services.intake.current(buyer.id)).draft.token
    other = (await world.services.intake.current(stranger.id)).draft.token
    before = len(world.fake.sent_to(buyer))
    update = await press_raw(world, buyer, question, forge(token, other))
    assert answer_to(world, update) == STALE
    assert len(world.fake.sent_to(buyer)) == before
    prompt = await world.services.intake.current(buyer.id)
    assert prompt.step.value == "category" and prompt.draft.category is None
    nothing_broke(world, caplog)
    replies = await world.press(buyer, question, "商品质量问题")
    assert replies[-1].content == shown("intake.ask_platform")


async def test_an_answered_button_from_before_a_restart_is_stale(world: World, caplog) -> None:
    buyer = world.buyer()
    question = await walk_to(world, buyer, "category")
    data = question.button("商品质量问题")["callback_data"]
    platform_question = (await world.press(buyer, question, "商品质量问题"))[-1]
    await world.restart()
    update = await press_raw(world, buyer, question, data)
    assert answer_to(world, update) == STALE
    assert world.fake.sent_to(buyer)[-1].id == platform_question.id
    nothing_broke(world, caplog)
    replies = await world.press(buyer, platform_question, "淘宝")
    assert replies[-1].content == shown("intake.ask_order")


async def test_the_submit_button_of_a_discarded_draft_is_stale(world: World, caplog) -> None:
    buyer = world.buyer()
    summary = await walk_to(world, buyer, "summary")
    await world.command(buyer, "cancel")
    update = await press_raw(world, buyer, summary, summary.button("✅ 提交")["callback_data"])
    assert answer_to(world, update) == STALE
    assert await world.services.tickets.list_for_owner(buyer.id) == []
    nothing_broke(world, caplog)
    await still_serves(world, buyer)


@pytest.mark.parametrize("label", ["商品质量问题", "📋 我的投诉"], ids=["category", "my-tickets"])
async def test_a_button_pressed_by_another_person_is_refused(
    world: World, caplog, label: str
) -> None:
    buyer, intruder = world.buyer("甲"), world.buyer("乙")
    if label == "📋 我的投诉":
        question = (await world.command(buyer, "start"))[-1]
    else:
        question = await walk_to(world, buyer, "category")
    before = len(world.fake.sent_to(buyer)), len(world.fake.sent_to(intruder))
    update = await press_raw(world, intruder, question, question.button(label)["callback_data"])
    assert answer_to(world, update) == NOT_YOURS
    assert (len(world.fake.sent_to(buyer)), len(world.fake.sent_to(intruder))) == before
    assert await world.services.intake.current(intruder.id) is None
    nothing_broke(world, caplog)
    replies = await world.press(buyer, question, label)
    assert replies[-1].content in (shown("intake.ask_platform"), shown("status_reply.none"))


async def test_a_button_pressed_twice_at_once_acts_once(world: World, caplog) -> None:
    buyer = world.buyer()
    question = await walk_to(world, buyer, "category")
    data = question.button("商品质量问题")["callback_data"]
    before = len(world.fake.sent_to(buyer))
    first = world.fake.send_callback_query(buyer, question, data)
    second = world.fake.send_callback_query(buyer, question, data)
    await world.fake.wait_for_sent(buyer, before + 1)
    await world.settle(quiet=0.2)
    assert [m.content for m in world.fake.sent_to(buyer)[before:]] == [shown("intake.ask_platform")]
    assert answer_to(world, first) == {"text": None, "alert": False}
    assert answer_to(world, second) == STALE
    nothing_broke(world, caplog)
    replies = await world.press(buyer, world.fake.sent_to(buyer)[-1], "淘宝")
    assert replies[-1].content == shown("intake.ask_order")
