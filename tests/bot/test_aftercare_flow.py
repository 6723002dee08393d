"""After the decision, through Telegram: rating, comment, review, escalation, SLA jobs."""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import CallbackContext

from bot.handlers import jobs
from storage.lifecycle import TicketStatus
from tests.bot.desk import Desk
from tests.bot.world import texts


async def resolve(desk: Desk, explanation: str = "商家已同意全额退款。") -> None:
    await desk.press("✅ 受理")
    await desk.press("🔍 开始调查")
    await desk.press("✔️ 处理完毕")
    prompt = (await desk.thread())[-1]
    await desk.agent_says(explanation, reply_to=prompt.id)


async def run_job(desk: Desk, job) -> None:
    await job(CallbackContext(desk.world.app))
    await desk.world.settle(quiet=0.1)


async def test_a_good_rating_with_a_comment_shows_on_the_card(desk: Desk) -> None:
    await resolve(desk)
    decision = desk.fake.sent_to(desk.buyer)[-1]
    assert "商家已同意全额退款" in decision.content and "请打分" in decision.content
    replies = await desk.world.press(desk.buyer, decision, "⭐⭐⭐⭐⭐", replies=2)
    assert "谢谢您的评价(5 星)" in texts(replies) and "还想补充几句" in replies[-1].content
    await desk.world.say(desk.buyer, "处理得很快,谢谢")
    ticket = await desk.ticket()
    assert ticket.status is TicketStatus.CLOSED
    card = (await desk.card()).content
    assert "★★★★★" in card and "处理得很快" in card
    assert "买家评分 5/5" in texts(await desk.thread())


async def test_a_poor_rating_offers_review_and_escalation_then_escalates(desk: Desk) -> None:
    await resolve(desk)
    decision = desk.fake.sent_to(desk.buyer)[-1]
    replies = await desk.world.press(desk.buyer, decision, "⭐⭐", replies=4)
    offered = texts(replies)
    assert "申请复核" in offered and "12315" in offered and "消费者协会" in offered
    choices = next(m for m in replies if m.buttons)
    before = len(desk.fake.sent_to(desk.supervisor))
    replies = await desk.world.press(desk.buyer, choices, "⬆️ 升级处理")
    assert "已升级至上级主管" in texts(replies)
    ticket = await desk.ticket()
    assert ticket.status is TicketStatus.ESCALATED
    assert ticket.resolve_due_at - ticket.escalated_at == timedelta(hours=36)
    await desk.fake.wait_for_sent(desk.supervisor, before + 1)
    assert ticket.number in desk.fake.sent_to(desk.supervisor)[-1].content


async def test_a_review_reopens_the_ticket_with_the_buyers_reason(desk: Desk) -> None:
    await resolve(desk)
    decision = desk.fake.sent_to(desk.buyer)[-1]
    replies = await desk.world.press(desk.buyer, decision, "⭐", replies=4)
    choices = next(m for m in replies if m.buttons and "申请复核" in str(m.buttons))
    replies = await desk.world.press(desk.buyer, choices, "🔁 申请复核")
    assert "请说明申请复核的理由" in replies[-1].content
    replies = await desk.world.say(desk.buyer, "钱根本没到账")
    assert "重新打开" in replies[-1].content
    assert (await desk.ticket()).status is TicketStatus.REOPENED
    assert "买家申请复核:钱根本没到账" in texts(await desk.thread())


async def test_saying_you_are_unhappy_offers_the_same_choices(desk: Desk) -> None:
    await resolve(desk)
    desk.world.rasa.understands("我不接受这个处理结果", "escalate", 0.93)
    replies = await desk.world.say(desk.buyer, "我不接受这个处理结果")
    assert "升级处理" in texts(replies) and "12315" in texts(replies)


async def test_deadline_reminder_then_overdue_alert_each_once(desk: Desk) -> None:
    clock = desk.world.clock
    clock.advance(hours=22, minutes=30)
    await run_job(desk, jobs.watch_deadlines)
    await run_job(desk, jobs.watch_deadlines)
    thread = texts(await desk.thread())
    assert thread.count("快到了") == 1
    clock.advance(hours=2)
    before = len(desk.fake.sent_to(desk.supervisor))
    await run_job(desk, jobs.watch_deadlines)
    await run_job(desk, jobs.watch_deadlines)
    assert "已超时" in (await desk.card()).content
    assert len(desk.fake.sent_to(desk.supervisor)) == before + 1
    assert "已过" in desk.fake.sent_to(desk.supervisor)[-1].content


async def test_unrated_decisions_close_by_themselves(desk: Desk) -> None:
    await resolve(desk)
    desk.world.clock.advance(days=8)
    await run_job(desk, jobs.close_stale_tickets)
    assert (await desk.ticket()).status is TicketStatus.CLOSED
    assert "已自动结案" in desk.fake.sent_to(desk.buyer)[-1].content


async def test_a_long_explanation_arrives_whole_with_the_rating_buttons_last(desk: Desk) -> None:
    explanation = "经核实商家确实发错了货并同意退款。" * 240  # about 4,000 characters
    assert len(explanation) > 4000
    await resolve(desk, explanation)
    await desk.fake.wait_for(lambda: desk.fake.sent_to(desk.buyer)[-1].buttons, timeout=10)
    received = "".join((m.content or "") for m in desk.fake.sent_to(desk.buyer)[-4:])
    assert received.count("经核实商家确实发错了货并同意退款。") == 240
    last = desk.fake.sent_to(desk.buyer)[-1]
    assert "请打分" in last.content and len(last.buttons) == 5
    assert "未能送达" not in texts(await desk.thread())


async def test_after_escalating_the_next_message_is_not_taken_as_a_comment(desk: Desk) -> None:
    await resolve(desk)
    decision = desk.fake.sent_to(desk.buyer)[-1]
    replies = await desk.world.press(desk.buyer, decision, "⭐", replies=4)
    choices = next(m for m in replies if "⬆️ 升级处理" in str(m.buttons))
    await desk.world.press(desk.buyer, choices, "⬆️ 升级处理")
    desk.world.rasa.understands("进度怎么样了", "check_status", 0.95)
    replies = await desk.world.say(desk.buyer, "进度怎么样了")
    assert (await desk.ticket()).number in replies[-1].content
    assert "已升级" in replies[-1].content
    assert (await desk.world.services.tickets.rating_of((await desk.ticket()).id)).comment is None


async def test_the_outside_channels_are_told_once_on_a_poor_rating_then_escalation(
    desk: Desk,
) -> None:
    before = len(desk.fake.sent_to(desk.buyer))
    await resolve(desk)
    decision = desk.fake.sent_to(desk.buyer)[-1]
    replies = await desk.world.press(desk.buyer, decision, "⭐", replies=4)
    choices = next(m for m in replies if "⬆️ 升级处理" in str(m.buttons))
    await desk.world.press(desk.buyer, choices, "⬆️ 升级处理")
    told = [m.content or "" for m in desk.fake.sent_to(desk.buyer)[before:]]
    assert any("已升级至上级主管" in text for text in told)
    assert sum("12315" in text for text in told) == 1
