"""Bad input from a buyer, typed: odd texts, wrong answers, commands at the wrong moment."""

from __future__ import annotations

import pytest
from sqlalchemy import text as sql

from bot.services.intake_draft import MAX_DESCRIPTION
from bot.views.intake import SUMMARY_DESCRIPTION_CHARS
from bot.views.status import NUMBER_SHOWN_CHARS
from tests.bot.checks import STEPS, nothing_broke, shown, still_serves, walk_to
from tests.bot.world import World

ORDER = "4012345678901234567"
HTML = '<b>假货</i> <a href="javascript:alert(1)">点我</a> &amp; &lt;x&gt; <u>没有闭合'
MARKDOWN = "*粗体* _斜体_ [链接](http://example.com) `代码` ~删~ ||剧透||"
SQL = "'; DROP TABLE tickets; -- 杯子碎了"


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t ", "\u200b\u200b", "\ufeff", "\u200b \ufeff\u200d"],
    ids=["empty", "whitespace", "zero-width-space", "byte-order-mark", "zero-width-mix"],
)
async def test_text_without_words_is_called_empty(world: World, caplog, text: str) -> None:
    buyer = world.buyer()
    replies = await world.say(buyer, text)
    assert [m.content for m in replies] == [shown("common.empty_text")]
    assert await world.services.intake.current(buyer.id) is None
    nothing_broke(world, caplog)
    await still_serves(world, buyer)


@pytest.mark.parametrize(
    "text",
    ["😡😡😡💔", "\u202e货到付款\u202c 订单被\u202d取消\u202c", HTML, MARKDOWN, SQL],
    ids=["emoji-only", "rtl-override", "html", "markdown", "sql"],
)
async def test_odd_text_is_kept_verbatim_as_the_description(
    world: World, caplog, text: str
) -> None:
    buyer = world.buyer()
    replies = await world.say(buyer, text)
    assert replies[-1].content == shown("intake.low_confidence") and replies[-1].buttons
    replies = await world.press(buyer, replies[-1], "商品质量问题")
    for label in ("跳过", "跳过", "跳过", "跳过", "✅ 完成"):
        replies = await world.press(buyer, replies[-1], label)
    summary = replies[-1].content
    assert summary.endswith(f"描述:\n{text}")
    nothing_broke(world, caplog)
    await still_serves(world, buyer)


async def test_sql_looking_text_is_stored_verbatim_and_the_database_is_intact(
    world: World, caplog
) -> None:
    buyer = world.buyer()
    summary = await walk_to(world, buyer, "summary", description=SQL)
    replies = await world.press(buyer, summary, "✅ 提交")
    assert "投诉已提交" in replies[-1].content
    [ticket] = await world.services.tickets.list_for_owner(buyer.id)
    assert ticket.description == SQL
    async with world.services.engine.connect() as connection:
        count = await connection.scalar(sql("SELECT count(*) FROM tickets"))
    assert count == 1
    nothing_broke(world, caplog)
    replies = await world.command(buyer, "status", ticket.number)
    assert ticket.number in replies[-1].content and "下一步" in replies[-1].content


async def test_a_4096_character_description_is_kept_whole(world: World, caplog) -> None:
    buyer = world.buyer()
    text = ("杯子碎了,商家不认账。" * 410)[:4096]
    assert len(text) < MAX_DESCRIPTION
    summary = await walk_to(world, buyer, "summary", description=text)
    assert f"描述:\n{text[:SUMMARY_DESCRIPTION_CHARS]}…" in summary.content
    assert summary.content.endswith("(描述共 4096 字,已全部保存;这里只显示开头。)")
    prompt = await world.services.intake.current(buyer.id)
    assert prompt.draft.description == text
    nothing_broke(world, caplog)
    replies = await world.press(buyer, summary, "✅ 提交")
    [ticket] = await world.services.tickets.list_for_owner(buyer.id)
    assert ticket.number in replies[-1].content and ticket.description == text


@pytest.mark.parametrize(
    "typed",
    ["AB12345678", "12345", "1" * 31, "------", "4012\u202e345678"],
    ids=["letters", "too-short", "too-long", "only-dashes", "rtl-inside"],
)
async def test_a_bad_order_number_is_explained_and_asked_again(
    world: World, caplog, typed: str
) -> None:
    buyer = world.buyer()
    await walk_to(world, buyer, "order")
    replies = await world.say(buyer, typed)
    assert [m.content for m in replies] == [shown("intake.bad_order"), shown("intake.ask_order")]
    assert (await world.services.intake.current(buyer.id)).draft.order_number is None
    nothing_broke(world, caplog)
    replies = await world.say(buyer, ORDER)
    assert replies[-1].content == shown("intake.ask_shop")


async def test_a_shop_name_over_100_characters_is_refused(world: World, caplog) -> None:
    buyer = world.buyer()
    await walk_to(world, buyer, "shop")
    replies = await world.say(buyer, "旗舰店" * 34)
    assert [m.content for m in replies] == [
        shown("intake.bad_shop", limit=100),
        shown("intake.ask_shop"),
    ]
    assert (await world.services.intake.current(buyer.id)).draft.shop is None
    nothing_broke(world, caplog)
    replies = await world.say(buyer, "店" * 100)
    assert replies[-1].content == shown("intake.ask_outcome")


async def test_html_in_the_shop_name_is_shown_as_typed(world: World, caplog) -> None:
    buyer = world.buyer()
    await walk_to(world, buyer, "shop")
    shop = '<i>美的</i> & "官方" <a href=x>旗舰店'
    replies = await world.say(buyer, shop)
    replies = await world.press(buyer, replies[-1], "跳过")
    replies = await world.press(buyer, replies[-1], "✅ 完成")
    assert f"店铺:{shop}\n" in replies[-1].content
    assert (await world.services.intake.current(buyer.id)).draft.shop == shop
    nothing_broke(world, caplog)
    await still_serves(world, buyer)


async def test_text_at_the_category_step_joins_the_description_and_repeats_the_question(
    world: World, caplog
) -> None:
    buyer = world.buyer()
    await walk_to(world, buyer, "category")
    replies = await world.say(buyer, "我不知道选哪个")
    assert [m.content for m in replies] == [
        shown("intake.description_continued", count=len("杯子碎了\n我不知道选哪个")),
        shown("intake.low_confidence"),
    ]
    assert len(replies[-1].buttons) == 12
    prompt = await world.services.intake.current(buyer.id)
    assert prompt.step.value == "category"
    assert prompt.draft.description == "杯子碎了\n我不知道选哪个"  # a long text comes in parts
    nothing_broke(world, caplog)
    replies = await world.press(buyer, replies[-1], "假冒伪劣")
    assert replies[-1].content == shown("intake.ask_platform")


async def test_a_file_at_the_order_step_asks_for_text(world: World, caplog) -> None:
    buyer = world.buyer()
    await walk_to(world, buyer, "order")
    replies = await world.exchange(buyer, lambda: world.fake.send_photo(buyer), replies=2)
    assert [m.content for m in replies] == [
        shown("intake.send_text_please"),
        shown("intake.ask_order"),
    ]
    assert (await world.services.intake.current(buyer.id)).draft.evidence == []
    nothing_broke(world, caplog)
    replies = await world.say(buyer, ORDER)
    assert replies[-1].content == shown("intake.ask_shop")


@pytest.mark.parametrize(
    ("command", "answer"),
    [("start", ("start.intro", "start.choose")), ("help", ("help.text",))],
    ids=["start", "help"],
)
async def test_start_and_help_in_the_middle_keep_the_intake(
    world: World, caplog, command: str, answer: tuple[str, ...]
) -> None:
    buyer = world.buyer()
    await walk_to(world, buyer, "order")
    replies = await world.command(buyer, command)
    assert [m.content for m in replies] == [shown(key, name="李雷") for key in answer]
    nothing_broke(world, caplog)
    replies = await world.say(buyer, ORDER)
    assert replies[-1].content == shown("intake.ask_shop")
    assert (await world.services.intake.current(buyer.id)).draft.order_number == ORDER


@pytest.mark.parametrize("step", STEPS)
async def test_cancel_at_every_step_withdraws_the_draft(world: World, caplog, step: str) -> None:
    buyer = world.buyer()
    await walk_to(world, buyer, step)
    replies = await world.command(buyer, "cancel")
    assert [m.content for m in replies] == [shown("intake.cancelled")]
    assert await world.services.intake.current(buyer.id) is None
    assert await world.services.tickets.list_for_owner(buyer.id) == []
    nothing_broke(world, caplog)
    replies = await world.say(buyer, "新的问题")
    assert replies[-1].content == shown("intake.low_confidence")


@pytest.mark.parametrize("args", [None, "<b>x</b> & y"], ids=["bare", "with-html-args"])
async def test_an_unknown_command_gets_the_help(world: World, caplog, args) -> None:
    buyer = world.buyer()
    replies = await world.command(buyer, "foo", args)
    assert [m.content for m in replies] == [shown("help.text")] and replies[-1].buttons
    nothing_broke(world, caplog)
    await still_serves(world, buyer)


@pytest.mark.parametrize(
    ("typed", "echoed"),
    [
        ("TS-2026-1", "TS-2026-1"),
        ("garbage<b>&", "garbage<b>&"),
        ("X" * 4088, "X" * NUMBER_SHOWN_CHARS + "…"),
    ],
    ids=["short-number", "garbage-with-html", "4088-characters"],
)
async def test_a_malformed_ticket_number_is_not_found(
    world: World, caplog, typed: str, echoed: str
) -> None:
    buyer = world.buyer()
    replies = await world.command(buyer, "status", typed)
    assert [m.content for m in replies] == [shown("status_reply.not_found", number=echoed)]
    nothing_broke(world, caplog)
    await still_serves(world, buyer)


@pytest.mark.parametrize("how", ["status-command", "plain-text"])
async def test_another_buyers_ticket_number_is_not_found(world: World, caplog, how: str) -> None:
    owner, other = world.buyer("韩梅梅"), world.buyer("张三")
    summary = await walk_to(world, owner, "summary")
    await world.press(owner, summary, "✅ 提交")
    [ticket] = await world.services.tickets.list_for_owner(owner.id)
    if how == "status-command":
        replies = await world.command(other, "status", ticket.number)
    else:
        replies = await world.say(other, ticket.number)
    assert [m.content for m in replies] == [shown("status_reply.not_found", number=ticket.number)]
    nothing_broke(world, caplog)
    replies = await world.command(owner, "status", ticket.number)
    assert "下一步" in replies[-1].content


async def test_a_reply_to_a_message_of_no_ticket_goes_to_the_only_open_ticket(
    world: World, caplog
) -> None:
    buyer = world.buyer()
    summary = await walk_to(world, buyer, "summary")
    await world.press(buyer, summary, "✅ 提交")
    [ticket] = await world.services.tickets.list_for_owner(buyer.id)
    help_message = (await world.command(buyer, "help"))[-1]
    act = lambda: world.fake.send_text(buyer, "补充一句", reply_to=help_message)  # noqa: E731
    replies = await world.exchange(buyer, act)
    assert [m.content for m in replies] == [shown("followup.added_only_open", number=ticket.number)]
    assert [b["text"] for b in replies[-1].buttons] == [shown("common.button_new_complaint")]
    nothing_broke(world, caplog)
    assert await world.services.intake.current(buyer.id) is None
    sent = world.fake.updates[-1]["message"]["message_id"]
    placed = await world.services.tickets.find_ticket_by_message(buyer.id, sent)
    assert placed is not None and placed.number == ticket.number


async def test_a_forwarded_message_is_taken_as_the_description(world: World, caplog) -> None:
    buyer = world.buyer()
    forwarded = "快递员说已经签收了,可我根本没收到 <b>"
    act = lambda: world.fake.send_forwarded(buyer, forwarded, origin_name="快递员")  # noqa: E731
    replies = await world.exchange(buyer, act)
    assert replies[-1].content == shown("intake.low_confidence")
    assert (await world.services.intake.current(buyer.id)).draft.description == forwarded
    nothing_broke(world, caplog)
    replies = await world.press(buyer, replies[-1], "物流 / 未收到货")
    assert replies[-1].content == shown("intake.ask_platform")
