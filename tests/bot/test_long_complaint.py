"""A long complaint reaches the agents whole, in messages Telegram accepts, and the buyer
hears what was kept."""

from __future__ import annotations

from telegram.constants import MessageLimit

from bot.services.intake_draft import MAX_DESCRIPTION
from tests.bot.desk import Desk
from tests.bot.test_aftercare_flow import resolve
from tests.bot.world import texts
from tests.fakes import Msg

FIRST = "杯子收到时就碎了,客服一直不回复。" * 240  # 4,080 characters: one full message
SECOND = "包装盒也被压扁了,快递员说不是他的责任。" * 100  # 2,000 more, a second message


async def thread_of(desk: Desk, number: str) -> list[Msg]:
    ticket = await desk.world.services.tickets.get(number)
    if ticket.group_topic_id is not None:
        return desk.fake.sent_to(desk.group, ticket.group_topic_id)
    card = ticket.group_card_message_id
    return [m for m in desk.fake.sent_to(desk.group) if m.reply_to_id == card or m.id == card]


async def file_long(desk: Desk, *parts: str) -> tuple[str, list[Msg]]:
    """A second buyer files a complaint written as `parts`; returns its number and what
    the buyer was told along the way."""
    world, buyer = desk.world, desk.world.buyer("韩梅梅")
    told = await world.say(buyer, parts[0])
    for part in parts[1:]:
        told += await world.exchange(
            buyer, lambda p=part: world.fake.send_text(buyer, p), replies=2
        )
    replies = await world.press(buyer, told[-1], "商品质量问题")
    replies = await world.press(buyer, replies[-1], "淘宝")
    for _ in range(3):
        replies = await world.press(buyer, replies[-1], "跳过")
    replies = await world.press(buyer, replies[-1], "✅ 完成")
    told += replies
    await world.press(buyer, replies[-1], "✅ 提交")
    [ticket] = await world.services.tickets.list_for_owner(buyer.id)
    return ticket.number, told


async def test_a_complaint_in_two_messages_reaches_the_agents_whole(desk: Desk) -> None:
    number, told = await file_long(desk, FIRST, SECOND)
    ticket = await desk.world.services.tickets.get(number)
    assert ticket.description == f"{FIRST}\n{SECOND}"
    assert "已把这段文字接在您的描述后面" in texts(told)
    assert "描述共 6081 字,已全部保存" in told[-1].content  # the summary says so
    thread = await thread_of(desk, number)
    assert all(len(m.content or "") <= MessageLimit.MAX_TEXT_LENGTH for m in thread)
    card = next(m for m in thread if m.id == ticket.group_card_message_id)
    assert "完整描述见下方" in card.content
    whole = [m.content for m in thread if m.kind == "text" and m.id != card.id]
    start = next(i for i, c in enumerate(whole) if c.startswith("📄 完整描述"))
    shown = "".join(whole[start:]).replace("\n", "")
    assert f"{FIRST}{SECOND}" in shown


async def test_a_text_beyond_the_limit_is_cut_and_the_buyer_told(desk: Desk) -> None:
    world, buyer = desk.world, desk.world.buyer("Tom", "en")
    replies = await world.say(buyer, "The cup broke. " * 1500)  # 22,500 characters
    assert f"I kept the first {MAX_DESCRIPTION} characters" in texts(replies)


COMMENT = "处理得还算及时,但客服一开始的态度让人很不舒服。" * 160  # 3,840 characters


async def test_a_long_comment_is_kept_whole_and_shown_whole_in_the_topic(desk: Desk) -> None:
    await resolve(desk)
    decision = desk.fake.sent_to(desk.buyer)[-1]
    await desk.world.press(desk.buyer, decision, "⭐⭐⭐⭐", replies=2)
    await desk.world.say(desk.buyer, COMMENT)
    ticket = await desk.ticket()
    assert (await desk.world.services.tickets.rating_of(ticket.id)).comment == COMMENT
    card = (await desk.card()).content
    assert len(card) <= MessageLimit.MAX_TEXT_LENGTH and COMMENT[:300] + "…" in card
    thread = await desk.thread()
    assert all(len(m.content or "") <= MessageLimit.MAX_TEXT_LENGTH for m in thread)
    assert COMMENT in "".join(m.content or "" for m in thread).replace("\n", "")


async def test_a_long_review_reason_reaches_the_agents_whole(desk: Desk) -> None:
    reason = "商家说已经退款,可是我的账户里根本没有收到这笔钱。" * 150  # 3,750 characters
    await resolve(desk)
    decision = desk.fake.sent_to(desk.buyer)[-1]
    replies = await desk.world.press(desk.buyer, decision, "⭐⭐", replies=4)
    choices = next(m for m in replies if "申请复核" in str(m.buttons))
    await desk.world.press(desk.buyer, choices, "🔁 申请复核")
    replies = await desk.world.say(desk.buyer, reason)
    assert "重新打开" in replies[-1].content
    thread = await desk.thread()
    assert all(len(m.content or "") <= MessageLimit.MAX_TEXT_LENGTH for m in thread)
    assert reason in "".join(m.content or "" for m in thread).replace("\n", "")
