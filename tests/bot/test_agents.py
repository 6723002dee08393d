"""The agents' group: a buyer, two agents and a supervisor, in a forum and in a plain group."""

from __future__ import annotations

import asyncio

from storage.lifecycle import TicketStatus
from tests.bot.desk import Desk, file_complaint
from tests.bot.world import texts


async def test_ticket_arrives_with_card_and_evidence(desk: Desk) -> None:
    ticket = await desk.ticket()
    card = await desk.card()
    assert ticket.number in card.content and "&lt;b&gt;杯子&lt;/b&gt;" not in card.content
    assert "<b>杯子</b>碎了 &amp; 漏水" in card.content or "杯子" in card.content
    assert [b["text"] for b in card.buttons][:3] == ["🙋 认领", "✅ 受理", "🔍 开始调查"]
    if desk.group.is_forum:
        topic = desk.fake.chat(desk.group).topics[ticket.group_topic_id]
        assert topic.name.startswith(ticket.number) and "淘宝" in topic.name
    kinds = [m.kind for m in await desk.thread()]
    assert "photo" in kinds


async def test_agent_answers_reach_the_buyer_as_the_support_team(desk: Desk) -> None:
    before = len(desk.fake.sent_to(desk.buyer))
    await desk.agent_says("您好,请问杯子是收到时就碎的吗?<script>")
    await desk.fake.wait_for_sent(desk.buyer, before + 1)
    answer = desk.fake.sent_to(desk.buyer)[-1]
    assert "客服回复" in answer.content and "收到时就碎的吗" in answer.content
    assert "王客服" not in answer.content
    where = await desk.where()
    desk.fake.send_photo(desk.agent, chat=desk.group, caption="参考图", **where)
    await desk.fake.wait_for_sent(desk.buyer, before + 2)
    photo = desk.fake.sent_to(desk.buyer)[-1]
    assert photo.kind == "photo" and "客服回复" in photo.content and "参考图" in photo.content


async def test_buyer_follow_up_appears_in_the_ticket(desk: Desk) -> None:
    await desk.agent_says("请补充一张包装的照片")
    relayed = desk.fake.sent_to(desk.buyer)[-1]
    desk.fake.send_text(desk.buyer, "包装外面也压扁了", reply_to=relayed)
    await desk.world.settle(quiet=0.1)
    thread = await desk.thread()
    assert "👤 买家:\n包装外面也压扁了" in texts(thread)
    assert "已把您的消息加入投诉" in desk.fake.sent_to(desk.buyer)[-1].content


async def test_an_internal_note_stays_in_the_group(desk: Desk) -> None:
    before = len(desk.fake.sent_to(desk.buyer))
    await desk.agent_command("note", "买家之前有过类似投诉")
    assert "内部备注已保存" in texts(desk.fake.sent_to(desk.group))
    assert len(desk.fake.sent_to(desk.buyer)) == before


async def test_status_changes_and_a_resolution_with_its_reasons(desk: Desk) -> None:
    await desk.press("🙋 认领")
    assert "王客服" in (await desk.card()).content
    await desk.press("✅ 受理")
    await desk.press("🔍 开始调查")
    told = texts(desk.fake.sent_to(desk.buyer))
    assert "已审核,等待调查" in told and "调查中" in told
    await desk.press("✔️ 处理完毕")
    prompt = (await desk.thread())[-1]
    assert "回复这条消息" in prompt.content
    assert (await desk.ticket()).status is TicketStatus.INVESTIGATING  # not before the reasons
    explanation = "经核实商品在运输中破损,商家同意全额退款,3 个工作日内到账。"
    await desk.agent_says(explanation, reply_to=prompt.id)
    assert (await desk.ticket()).status is TicketStatus.RESOLVED
    resolution = desk.fake.sent_to(desk.buyer)[-1].content
    assert "已处理完毕" in resolution and explanation in resolution
    assert "已处理完毕" in (await desk.card()).content


async def test_an_explanation_given_the_moment_its_question_appears_decides(desk: Desk) -> None:
    """Telegram shows the question before the outbox's worker hears its message id; an
    agent replying in that moment gives the explanation, not an answer for the buyer."""
    await desk.press("✅ 受理")
    await desk.press("🔍 开始调查")
    release = desk.fake.hold_answers("sendMessage", chat_id=desk.group.id)
    desk.fake.press_button(desk.agent, await desk.card(), "✔️ 处理完毕", chat=desk.group)
    prompt = await desk.fake.wait_for(
        lambda: next(
            (m for m in desk.fake.sent_to(desk.group) if "回复这条消息" in m.content), None
        ),
        timeout=10,
        what="the question for the explanation",
    )
    before = len(desk.fake.sent_to(desk.buyer))
    explanation = "经核实商品在运输中破损,商家同意全额退款,3 个工作日内到账。"
    desk.fake.send_text(desk.agent, explanation, chat=desk.group, reply_to=prompt.id)
    await asyncio.sleep(0.5)  # the bot has the reply while the question's id is not kept yet
    release.set()
    await desk.world.settle(quiet=0.1)
    assert (await desk.ticket()).status is TicketStatus.RESOLVED
    told = texts(desk.fake.sent_to(desk.buyer)[before:])
    assert "已处理完毕" in told and explanation in told
    assert "客服回复" not in told


async def test_a_decision_not_allowed_now_is_refused(desk: Desk) -> None:
    await desk.press("✔️ 处理完毕")  # a new ticket cannot be resolved yet
    alert = desk.fake.last_call("answerCallbackQuery").params
    assert "不能这样变更" in alert.get("text", "")
    assert (await desk.ticket()).status is TicketStatus.NEW


async def test_forged_buttons_are_refused(desk: Desk) -> None:
    ticket = await desk.ticket()
    own = desk.fake.sent_to(desk.buyer)[-1]
    desk.fake.send_callback_query(desk.buyer, own, f"agent|accept|{ticket.number}")
    await desk.world.settle(quiet=0.1)
    passerby = desk.world.buyer("路人")
    await file_complaint(desk.world, passerby, "another ticket's description")
    others = await desk.world.services.tickets.list_for_owner(passerby.id)
    card = await desk.card()
    desk.fake.send_callback_query(desk.agent, card, f"agent|accept|{others[0].number}")
    desk.fake.send_callback_query(desk.agent, card, f"agent|delete_everything|{ticket.number}")
    await desk.world.settle(quiet=0.1)
    refusals = [c for c in desk.fake.calls_of("answerCallbackQuery") if c.params.get("show_alert")]
    assert len(refusals) >= 3
    assert (await desk.ticket()).status is TicketStatus.NEW
    assert (await desk.world.services.tickets.get(others[0].number)).status is TicketStatus.NEW


async def test_agent_commands_from_outside_the_group_are_refused(desk: Desk) -> None:
    replies = await desk.world.command(desk.buyer, "claim")
    assert "只有客服群的成员" in replies[-1].content
    stranger_group = desk.fake.add_group("别的群", members=[desk.agent])
    desk.fake.send_command(desk.agent, "claim", chat=stranger_group)
    await desk.world.settle(quiet=0.1)
    assert "只有客服群的成员" in desk.fake.sent_to(stranger_group)[-1].content
    assert (await desk.ticket()).assignee_id is None


async def test_a_buyer_who_blocked_the_bot_is_reported_in_the_topic(desk: Desk) -> None:
    desk.fake.block_bot(desk.buyer)
    await desk.agent_says("请问还在吗?")
    assert "未能送达买家:买家已屏蔽机器人" in texts(await desk.thread())


async def test_a_message_about_no_ticket_gets_a_hint(desk: Desk) -> None:
    desk.fake.send_text(desk.agent, "大家早上好", chat=desk.group)
    await desk.world.settle(quiet=0.1)
    assert "不属于任何投诉" in desk.fake.sent_to(desk.group)[-1].content


async def test_only_administrators_of_the_service_can_link(desk: Desk) -> None:
    other = desk.fake.add_group("新群", members=[desk.agent])
    desk.fake.send_command(desk.agent, "link", chat=other)
    await desk.world.settle(quiet=0.1)
    assert "只有服务管理员" in desk.fake.sent_to(other)[-1].content
    assert (await desk.world.services.groups.active()).chat_id == desk.group.id


async def test_ticket_command_and_assign_and_canned(desk: Desk) -> None:
    ticket = await desk.ticket()
    desk.fake.send_command(desk.agent, "ticket", ticket.number, chat=desk.group)
    await desk.world.settle(quiet=0.1)
    shown = desk.fake.sent_to(desk.group)[-1].content
    assert ticket.number in shown and "https://t.me/c/" in shown
    where = await desk.where()
    colleague_message = desk.fake.send_text(desk.colleague, "我来跟进", chat=desk.group, **where)
    await desk.world.settle(quiet=0.1)
    desk.fake.send_command(
        desk.agent, "assign", chat=desk.group, reply_to=colleague_message["message"],
        **({"thread_id": where["thread_id"]} if "thread_id" in where else {}),
    )  # fmt: skip
    await desk.world.settle(quiet=0.1)
    assert (await desk.ticket()).assignee_id == desk.colleague.id
    await desk.agent_command("canned", "need_photos")
    assert "多角度照片" in desk.fake.sent_to(desk.buyer)[-1].content


async def test_a_plain_follow_up_goes_to_the_only_open_ticket_at_once(desk: Desk) -> None:
    replies = await desk.world.say(desk.buyer, "商家今天又挂了我的电话")
    number = (await desk.ticket()).number
    assert "这条消息属于哪一张投诉" not in texts(replies)
    assert f"已把您的消息加入您正在处理的投诉 {number}" in replies[-1].content
    assert await desk.world.services.intake.current(desk.buyer.id) is None
    await desk.fake.wait_for(
        lambda: "商家今天又挂了我的电话" in texts(desk.fake.sent_to(desk.group)) or None, timeout=10
    )
    assert "👤 买家:\n商家今天又挂了我的电话" in texts(await desk.thread())
