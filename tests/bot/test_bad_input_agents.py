"""Bad input around the agents' group: markup in what people write, over-long messages,
commands in the wrong chat, a group that is not linked, a buyer who blocked the bot."""

from __future__ import annotations

import pytest

from storage.lifecycle import TicketStatus
from tests.bot.checks import nothing_broke, shown
from tests.bot.desk import Desk
from tests.bot.world import texts

HTML = '<b>请</i>补充 <a href="javascript:alert(1)">照片</a> &amp; &lt;x&gt; <u>没闭合'
CAPTION = ("<i>包装</b> & 压扁 " * 80)[:1024]
FORUM = pytest.mark.parametrize("desk", ["forum"], indirect=True)


async def agent_still_answers(desk: Desk, text: str = "我们在处理,请稍候。") -> None:
    """An agent's answer in the ticket's thread still reaches the buyer."""
    await desk.agent_says(text)
    ticket = await desk.ticket()
    reply = shown("notify.agent_reply", number=ticket.number, text=text)
    assert desk.fake.sent_to(desk.buyer)[-1].content == reply


async def buyer_replies(desk: Desk, text: str = "", caption: str | None = None) -> None:
    """The buyer replies to the support team's latest message: a text, or a captioned photo."""
    answer = desk.fake.sent_to(desk.buyer)[-1]
    if caption is not None:
        desk.fake.send_photo(desk.buyer, caption=caption, reply_to=answer)
    else:
        desk.fake.send_text(desk.buyer, text, reply_to=answer)
    await desk.world.settle(quiet=0.2)


async def test_html_in_an_agents_answer_reaches_the_buyer_as_typed(desk: Desk, caplog) -> None:
    await desk.agent_says(HTML)
    ticket = await desk.ticket()
    expected = shown("notify.agent_reply", number=ticket.number, text=HTML)
    assert desk.fake.sent_to(desk.buyer)[-1].content == expected
    nothing_broke(desk.world, caplog)
    await agent_still_answers(desk)


@FORUM
async def test_html_and_line_breaks_in_a_note_are_stored_as_typed(desk: Desk, caplog) -> None:
    note = f"{HTML}\n第二行  两个空格"
    before = len(desk.fake.sent_to(desk.buyer))
    where = await desk.where()
    command = desk.fake.send_command(desk.agent, "note", note, chat=desk.group, **where)
    await desk.world.settle(quiet=0.2)
    assert desk.fake.sent_to(desk.group)[-1].content == shown("agent.note_saved")
    stored = await desk.world.services.tickets.find_message(
        desk.group.id, command["message"]["message_id"]
    )
    assert stored.text == note and len(desk.fake.sent_to(desk.buyer)) == before
    nothing_broke(desk.world, caplog)
    await agent_still_answers(desk)


@FORUM
async def test_html_and_line_breaks_in_a_resolution_reach_the_buyer(desk: Desk, caplog) -> None:
    await desk.press("✅ 受理")
    await desk.press("🔍 开始调查")
    explanation = f"{HTML}\n1. 退款\n2. 补偿"
    await desk.agent_command("resolve", explanation)
    ticket = await desk.ticket()
    assert ticket.status is TicketStatus.RESOLVED
    decision = shown("notify.resolution", number=ticket.number, text=explanation)
    assert desk.fake.sent_to(desk.buyer)[-1].content.startswith(decision)
    nothing_broke(desk.world, caplog)
    await agent_still_answers(desk)


async def test_html_in_description_shop_and_caption_is_shown_on_the_card(
    desk: Desk, caplog
) -> None:
    world, buyer = desk.world, desk.world.buyer("韩梅梅")
    description, shop = "<b>假货</b> & <script>x</script>", '<i>美的</i> "旗舰店" &'
    replies = await world.say(buyer, description)
    for label in ("假冒伪劣", "淘宝", "跳过"):
        replies = await world.press(buyer, replies[-1], label)
    replies = await world.say(buyer, shop)
    replies = await world.press(buyer, replies[-1], "跳过")
    await world.exchange(buyer, lambda: world.fake.send_photo(buyer, caption=CAPTION))
    replies = await world.press(buyer, world.fake.sent_to(buyer)[-1], "✅ 完成")
    await world.press(buyer, replies[-1], "✅ 提交")
    await world.settle(quiet=0.2)
    [ticket] = await world.services.tickets.list_for_owner(buyer.id)
    card = desk.fake.message(desk.group, ticket.group_card_message_id).content
    assert f"店铺:{shop}\n" in card and card.endswith(f"描述:\n{description}")
    assert CAPTION in [m.content for m in desk.fake.sent_to(desk.group) if m.kind == "photo"]
    nothing_broke(world, caplog)
    await agent_still_answers(desk)


async def test_a_4096_character_follow_up_reaches_the_ticket_whole(desk: Desk, caplog) -> None:
    await desk.agent_says("请详细说明经过")
    long = ("包装破损,杯子碎成三块。" * 350)[:4096]
    await buyer_replies(desk, text=long)
    added = shown("followup.added", number=(await desk.ticket()).number)
    assert desk.fake.sent_to(desk.buyer)[-1].content == added
    shown_in_thread = [m.content for m in await desk.thread()]
    assert shown_in_thread[-2:] == [shown("agent.buyer_says"), long]
    nothing_broke(desk.world, caplog)
    await agent_still_answers(desk)


async def test_a_photo_follow_up_with_1024_characters_of_caption_reaches_the_ticket(
    desk: Desk, caplog
) -> None:
    await desk.agent_says("请补充包装照片")
    await buyer_replies(desk, caption=CAPTION)
    header, photo = (await desk.thread())[-2:]
    assert header.content == shown("agent.buyer_says")
    assert photo.kind == "photo" and photo.content == CAPTION
    nothing_broke(desk.world, caplog)
    await agent_still_answers(desk)


async def test_a_4096_character_answer_reaches_the_buyer_whole(desk: Desk, caplog) -> None:
    long = ("您好,经核实商家已同意退款。" * 300)[:4096]
    await desk.agent_says(long)
    header, answer = desk.fake.sent_to(desk.buyer)[-2:]
    number = (await desk.ticket()).number
    assert header.content == shown("notify.agent_reply_file", number=number)
    assert answer.content == long
    assert "未能送达" not in texts(await desk.thread())
    nothing_broke(desk.world, caplog)
    await agent_still_answers(desk)


async def test_a_photo_answer_with_1024_characters_of_caption_reaches_the_buyer(
    desk: Desk, caplog
) -> None:
    where = await desk.where()
    desk.fake.send_photo(desk.agent, chat=desk.group, caption=CAPTION, **where)
    await desk.world.settle(quiet=0.2)
    header, photo = desk.fake.sent_to(desk.buyer)[-2:]
    number = (await desk.ticket()).number
    assert header.content == shown("notify.agent_reply_file", number=number)
    assert photo.kind == "photo" and photo.content == CAPTION
    assert "未能送达" not in texts(await desk.thread())
    nothing_broke(desk.world, caplog)
    await agent_still_answers(desk)


@FORUM
@pytest.mark.parametrize("command", ["status", "start", "help", "cancel", "mytickets"])
async def test_a_buyers_command_in_the_agents_group_lists_the_groups_commands(
    desk: Desk, caplog, command: str
) -> None:
    before = len(desk.fake.sent_to(desk.buyer))
    await desk.agent_command(command)
    assert desk.fake.sent_to(desk.group)[-1].content == shown("agent.unknown_command")
    assert len(desk.fake.sent_to(desk.buyer)) == before
    assert (await desk.ticket()).status is TicketStatus.NEW
    nothing_broke(desk.world, caplog)
    await agent_still_answers(desk)


@FORUM
async def test_a_command_for_another_bot_in_the_agents_group_is_left_alone(
    desk: Desk, caplog
) -> None:
    before = len(desk.fake.sent_to(desk.group))
    desk.fake.send_text(desk.agent, "/status@weather_bot 上海", chat=desk.group)
    await desk.world.settle(quiet=0.2)
    assert len(desk.fake.sent_to(desk.group)) == before
    nothing_broke(desk.world, caplog)
    await agent_still_answers(desk)


@FORUM
@pytest.mark.parametrize(
    ("who", "command", "args"),
    [
        pytest.param("agent", "claim", None, id="agent-claim"),
        pytest.param("agent", "note", "<b>内部</b>", id="agent-note"),
        pytest.param("agent", "resolve", "已退款", id="agent-resolve"),
        pytest.param("buyer", "claim", None, id="buyer-claim"),
        pytest.param("buyer", "assign", "1", id="buyer-assign"),
        pytest.param("buyer", "reject", "不<b>支持</b>", id="buyer-reject"),
    ],
)
async def test_an_agent_command_in_a_private_chat_is_refused(
    desk: Desk, caplog, who: str, command: str, args
) -> None:
    person = desk.agent if who == "agent" else desk.buyer
    replies = await desk.world.command(person, command, args)
    assert [m.content for m in replies] == [shown("agent.not_agent")]
    ticket = await desk.ticket()
    assert ticket.status is TicketStatus.NEW and ticket.assignee_id is None
    nothing_broke(desk.world, caplog)
    await agent_still_answers(desk)


@FORUM
async def test_a_group_that_is_not_linked_is_left_alone(desk: Desk, caplog) -> None:
    other = desk.fake.add_group("闲聊群", members=[desk.agent, desk.buyer])
    before = len(desk.fake.sent_to(desk.buyer))
    said = desk.fake.send_text(desk.buyer, "<b>有人吗</b> & 退款", chat=other)
    desk.fake.send_text(desk.agent, "回复一下", chat=other, reply_to=said["message"])
    desk.fake.send_photo(desk.agent, chat=other, caption="图")
    for command in ("start", "status", "help"):
        desk.fake.send_command(desk.buyer, command, chat=other)
    await desk.world.settle(quiet=0.2)
    assert desk.fake.sent_to(other) == [] and len(desk.fake.sent_to(desk.buyer)) == before
    desk.fake.send_command(desk.agent, "note", "备注", chat=other)
    await desk.world.settle(quiet=0.2)
    assert [m.content for m in desk.fake.sent_to(other)] == [shown("agent.not_agent")]
    nothing_broke(desk.world, caplog)
    await agent_still_answers(desk)


async def test_a_reply_to_a_message_of_no_ticket_gets_a_hint(desk: Desk, caplog) -> None:
    linked = desk.fake.sent_to(desk.group)[0]  # "this group is now the agents' group"
    before = len(desk.fake.sent_to(desk.buyer))
    desk.fake.send_text(desk.agent, "这个是哪张投诉?", chat=desk.group, reply_to=linked)
    await desk.world.settle(quiet=0.2)
    assert desk.fake.sent_to(desk.group)[-1].content == shown("agent.no_ticket_here")
    assert len(desk.fake.sent_to(desk.buyer)) == before
    nothing_broke(desk.world, caplog)
    await agent_still_answers(desk)


async def test_a_photo_answer_to_a_buyer_who_blocked_the_bot_is_reported(
    desk: Desk, caplog
) -> None:
    desk.fake.block_bot(desk.buyer)
    desk.fake.send_photo(desk.agent, chat=desk.group, caption="参考图", **await desk.where())
    await desk.world.settle(quiet=0.2)
    reason = shown("agent.reason_blocked")
    assert (await desk.thread())[-1].content == shown("agent.delivered_failed", reason=reason)
    nothing_broke(desk.world, caplog, "bot was blocked by the user")
    desk.fake.unblock_bot(desk.buyer)
    await agent_still_answers(desk)
