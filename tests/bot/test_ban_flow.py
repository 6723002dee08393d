"""/ban with appeal, through the fake Bot API: the buyer is told how to appeal, nothing they
send afterwards opens a ticket, their appeal reaches the supervisors, /unban lifts it; in
Chinese and in English; BAN_ALLOWED=supervisors keeps agents from banning."""

from __future__ import annotations

from tests.bot.checks import nothing_broke, shown
from tests.bot.desk import Desk
from tests.bot.world import texts


async def _ban(desk: Desk, reason: str = "反复发送辱骂内容", **who) -> None:
    await desk.agent_command("ban", reason, **who)


async def test_a_banned_buyer_appeals_and_is_unbanned(desk: Desk, caplog) -> None:
    svc, world, buyer = desk.world.services, desk.world, desk.buyer
    ticket = await desk.ticket()
    before = len(desk.fake.sent_to(buyer))

    await _ban(desk)

    assert [m.content for m in desk.fake.sent_to(buyer)[before:]] == [shown("ban.notice")]
    assert "已禁止买家 李雷" in desk.fake.sent_to(desk.group)[-1].content
    # Their next text is the appeal: recorded, acknowledged, shown in the topic and to the
    # supervisor; it opens no complaint.
    appeal = "我没有辱骂,只是着急,请再看看"
    replies = await world.say(buyer, appeal)
    assert [m.content for m in replies] == [shown("ban.appeal_received")]
    assert appeal in texts(await desk.thread())
    assert appeal in desk.fake.sent_to(desk.supervisor)[-1].content
    assert await svc.intake.current(buyer.id) is None
    # More messages open nothing and are not answered again the same day.
    quiet_before = len(desk.fake.sent_to(buyer))
    desk.fake.send_text(buyer, "杯子又碎了一个,我要投诉")
    desk.fake.send_photo(buyer, caption="照片")
    await world.settle()
    assert len(desk.fake.sent_to(buyer)) == quiet_before
    assert await svc.intake.current(buyer.id) is None
    assert [t.number for t in await svc.tickets.list_for_owner(buyer.id)] == [ticket.number]
    # What was filed stays visible to them.
    status = await world.command(buyer, "status", ticket.number)
    assert ticket.number in status[-1].content
    # A supervisor reads the appeals and lifts the ban.
    desk.fake.send_command(desk.supervisor, "appeals", chat=desk.group)
    await world.settle()
    assert appeal in desk.fake.sent_to(desk.group)[-1].content
    before = len(desk.fake.sent_to(buyer))
    desk.fake.send_command(desk.supervisor, "unban", str(buyer.id), chat=desk.group)
    await world.settle()
    assert [m.content for m in desk.fake.sent_to(buyer)[before:]] == [shown("ban.buyer_unbanned")]
    assert "已解除对买家 李雷 的禁止" in desk.fake.sent_to(desk.group)[-1].content
    # Unbanned, what they write is handled again: with one open ticket it joins that ticket,
    # and the New complaint button starts a complaint.
    replies = await world.say(buyer, "我的快递一直没有到")
    assert "我的快递一直没有到" in texts(await desk.thread())
    assert shown("followup.added_only_open", number=ticket.number) == replies[-1].content
    await world.press(buyer, replies[-1], "📝 新投诉")
    started = await svc.intake.current(buyer.id)
    assert started is not None and started.step.value == "describe"
    nothing_broke(world, caplog)


async def test_ban_and_appeal_in_english(desk: Desk) -> None:
    svc, world, buyer = desk.world.services, desk.world, desk.buyer
    await svc.people.set_language(buyer.id, "en")
    world.settings_overrides["agent_language"] = "en"
    await world.restart()
    before = len(desk.fake.sent_to(buyer))

    await _ban(desk, "spam")

    assert [m.content for m in desk.fake.sent_to(buyer)[before:]] == [shown("ban.notice", "en")]
    assert "may no longer file complaints" in desk.fake.sent_to(desk.group)[-1].content
    replies = await world.say(buyer, "I only asked twice, please check")
    assert [m.content for m in replies] == [shown("ban.appeal_received", "en")]
    assert "Appeal of buyer" in texts(await desk.thread())
    ticket = await desk.ticket()
    await desk.agent_command("unban", ticket.number, **(await desk.where()))
    assert shown("ban.buyer_unbanned", "en") == desk.fake.sent_to(buyer)[-1].content


async def test_a_banned_buyers_buttons_and_next_day_message_get_the_notice(desk: Desk) -> None:
    world, buyer = desk.world, desk.buyer
    menu = await world.command(buyer, "start")  # before the ban: a menu with buttons
    await _ban(desk)
    await world.say(buyer, "为什么")  # the appeal

    desk.fake.press_button(buyer, menu[-1], "📝 新投诉")
    await world.settle()
    alert = desk.fake.last_call("answerCallbackQuery").params
    assert alert["text"] == shown("ban.button_refused") and alert["show_alert"] in (True, "true")
    world.clock.advance(hours=25)
    replies = await world.say(buyer, "还在吗")
    assert [m.content for m in replies] == [shown("ban.notice_again")]


async def test_only_supervisors_ban_when_so_configured(desk: Desk) -> None:
    desk.world.settings_overrides["ban_allowed"] = "supervisors"
    await desk.world.restart()
    before = len(desk.fake.sent_to(desk.buyer))

    await _ban(desk)

    assert desk.fake.sent_to(desk.group)[-1].content == shown("ban.refused")
    assert len(desk.fake.sent_to(desk.buyer)) == before
    where = await desk.where()
    desk.fake.send_command(desk.supervisor, "ban", "刷屏", chat=desk.group, **where)
    await desk.world.settle()
    assert desk.fake.sent_to(desk.buyer)[-1].content == shown("ban.notice")
    await desk.agent_command("unban")
    assert desk.fake.sent_to(desk.group)[-1].content == shown("ban.refused")


async def test_ban_needs_a_reason_and_unban_a_banned_buyer(desk: Desk) -> None:
    await desk.agent_command("ban")
    assert desk.fake.sent_to(desk.group)[-1].content == shown("ban.usage")
    await desk.agent_command("unban")
    assert desk.fake.sent_to(desk.group)[-1].content == shown("ban.not_banned")
    await _ban(desk)
    await _ban(desk)
    assert desk.fake.sent_to(desk.group)[-1].content == shown("ban.already")


async def test_cancel_is_not_an_appeal_and_a_long_appeal_is_kept_whole(desk: Desk) -> None:
    svc, world, buyer = desk.world.services, desk.world, desk.buyer
    await _ban(desk)

    # "取消" right after the ban is no reason: nothing is recorded, and having just been told
    # how to appeal, they are not told again the same day.
    before = len(desk.fake.sent_to(buyer))
    desk.fake.send_text(buyer, "取消")
    await world.settle()
    assert len(desk.fake.sent_to(buyer)) == before
    assert (await svc.bans.current(buyer.id)).appeal_text is None
    # Their real appeal, as long as one Telegram message allows, reaches the supervisor whole.
    appeal = "我没有辱骂任何人,只是快递一直不到很着急。" * 180
    assert 3000 < len(appeal) <= 4096
    replies = await world.say(buyer, appeal)
    assert [m.content for m in replies] == [shown("ban.appeal_received")]
    assert (await svc.bans.current(buyer.id)).appeal_text == appeal
