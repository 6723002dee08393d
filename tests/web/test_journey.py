"""A web buyer's whole journey with the agents working from the Telegram group, as before."""

from __future__ import annotations

import re

from storage.lifecycle import TicketStatus
from tests.bot.world import texts
from tests.web.agents import link_group
from tests.web.files import png
from tests.web.page import Page, text_of


async def file_on_the_web(page: Page, text: str = "我买的<b>杯子</b>碎了 & 漏水") -> str:
    await page.become_visitor()
    await page.connect()
    await page.say(text)
    await page.wait_text("类别")
    await page.press("商品质量问题")
    await page.wait_text("平台")
    await page.press("淘宝")
    for question in ("订单号", "店铺", "希望"):
        await page.wait_text(question)
        await page.press("跳过")
    await page.wait_text("证据")
    assert (await page.upload(png(), "crack.png")).status_code == 200
    await page.wait_text("已收到 1")
    await page.press("✅ 完成")
    await page.wait_text("请核对")
    await page.press("✅ 提交")
    filed = await page.wait_text("已提交")
    return re.search(r"TS-\d{8}-\d{4}", text_of(filed)).group(0)


async def test_a_web_buyer_files_and_the_agents_answer_from_the_group(web) -> None:
    group = await link_group(web)
    page = web.page()
    number = await file_on_the_web(page)
    person = await web.services.web.visitors.find(page.cookie)

    # The agents see the ticket as usual, marked as coming from the web chat, with the photo.
    ticket = await group.ticket(person)
    card = web.fake.message(group.chat, ticket.group_card_message_id)
    assert number in card.content and "渠道:网页聊天" in card.content
    assert "我买的<b>杯子</b>碎了 & 漏水" in card.content  # escaped once: shown as written
    thread = await group.thread(person)
    assert any(m.kind == "photo" for m in thread)
    topic = web.fake.chat(group.chat).topics[ticket.group_topic_id]
    assert topic.name.startswith("🌐")

    # An answer in the topic reaches the open page at once.
    await group.agent_says(person, "您好,请问杯子是收货时就碎了吗?")
    live = await page.wait_text("收货时就碎了")
    assert live["unread"] is False

    # The buyer answers; the agents read it in the topic.
    await page.say("是的,拆开就是碎的")
    asked = await page.wait_for(
        lambda: next((m for m in page.messages[-2:] if "属于哪一张" in text_of(m)
                      or "已把您的消息加入" in text_of(m)), None), what="the follow-up",
    )  # fmt: skip
    if "属于哪一张" in text_of(asked):  # which ticket it is for, when the service asks
        await page.press(f"{number} · 商品质量问题")
    await page.wait_text("已把您的消息加入")
    await web.fake.wait_for(
        lambda: "拆开就是碎的" in texts(web.fake.sent_to(group.chat, ticket.group_topic_id))
        or None,
        timeout=10, what="the buyer's answer in the topic",
    )  # fmt: skip

    # Page closed: the next answer waits and comes back marked unread.
    await page.disconnect()
    await group.agent_says(person, "好的,我们已联系商家")
    seen = page.last_seq
    await page.connect(after=seen)
    waiting = await page.wait_text("已联系商家")
    assert waiting["unread"] is True

    # Status by plain message.
    await page.say(number)
    status = await page.wait_text("状态")
    assert number in text_of(status)

    # The decision with its reasons and the rating buttons; a rating closes the ticket.
    await group.resolve(person, "商家已同意全额退款。")
    decision = await page.wait_text("商家已同意全额退款")
    assert any(b["label"] == "⭐⭐⭐⭐⭐" for row in decision["buttons"] for b in row)
    await page.press("⭐⭐⭐⭐⭐")
    await page.wait_text("谢谢您的评价")
    assert (await group.ticket(person)).status is TicketStatus.CLOSED
    card = web.fake.message(group.chat, ticket.group_card_message_id)
    assert "★★★★★" in card.content


async def test_an_unhappy_web_buyer_can_escalate(web) -> None:
    group = await link_group(web)
    page = web.page()
    await file_on_the_web(page)
    person = await web.services.web.visitors.find(page.cookie)
    await group.resolve(person, "商家不同意退款。")
    await page.wait_text("商家不同意退款")
    await page.press("⭐")
    await page.wait_text("申请复核")
    await page.press("⬆️ 升级处理")
    await page.wait_text("已升级至上级主管")
    assert (await group.ticket(person)).status is TicketStatus.ESCALATED


async def test_an_agents_photo_reaches_the_web_buyer(web) -> None:
    group = await link_group(web)
    page = web.page()
    await file_on_the_web(page)
    person = await web.services.web.visitors.find(page.cookie)
    ticket = await group.ticket(person)
    web.fake.send_photo(group.agent, chat=group.chat, thread_id=ticket.group_topic_id,
                        caption="这是商家的回复截图")  # fmt: skip
    await web.settle(quiet=0.1)
    shown = await page.wait_for(
        lambda: next((m for m in page.messages if m.get("file") and m["from"] == "bot"), None),
        what="the agent's photo",
    )
    assert "商家的回复截图" in text_of(shown)
    picture = await page.http.get(f"/files/{shown['file']['digest']}")
    assert picture.status_code == 200 and len(picture.content) > 0


async def test_a_banned_web_buyer_is_told_and_can_appeal(web) -> None:
    group = await link_group(web)
    page = web.page()
    await file_on_the_web(page)
    person = await web.services.web.visitors.find(page.cookie)
    ticket = await group.ticket(person)
    web.fake.send_command(group.agent, "ban", "反复发送辱骂内容", chat=group.chat,
                          thread_id=ticket.group_topic_id)  # fmt: skip
    await web.settle(quiet=0.1)
    await page.wait_text("暂时不能在这里提交新的投诉")
    await page.say("我没有辱骂,请核实")
    await page.wait_text("已收到您的申诉")
    assert len(await web.services.tickets.list_for_owner(person)) == 1  # nothing new filed
