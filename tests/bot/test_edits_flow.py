"""Edits both ways, through the fake Bot API: an agent's edit of a relayed answer edits the
buyer's copy, a buyer's edit of a relayed message edits the topic's copy (each marked as
edited), every version is kept, and an edit Telegram refuses (48 hours) gets a clear line."""

from __future__ import annotations

import pytest

from tests.bot.checks import nothing_broke, shown
from tests.bot.desk import Desk

TWO_DAYS = 49 * 3600


async def _versions(desk: Desk, chat_id: int, message_id: int) -> list[str | None]:
    svc = desk.world.services
    row = await svc.tickets.find_message(chat_id, message_id)
    return [v.text for v in await svc.versions.versions(row.id)]


async def _agent_answer(desk: Desk, text: str) -> dict:
    update = desk.fake.send_text(desk.agent, text, chat=desk.group, **await desk.where())
    await desk.world.settle()
    return update["message"]


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_an_agents_edit_edits_the_buyers_copy_and_keeps_both_versions(
    desk: Desk, caplog, language: str
) -> None:
    await desk.world.services.people.set_language(desk.buyer.id, language)
    answer = await _agent_answer(desk, "请补充照片")
    copy = desk.fake.sent_to(desk.buyer)[-1]
    assert "请补充照片" in copy.content
    desk.fake.edit_text(desk.agent, answer, "请补充<包装>的照片", chat=desk.group)
    await desk.world.settle()
    edited = desk.fake.message(desk.buyer, copy.id)
    assert "请补充<包装>的照片" in edited.content  # escaped once, shown as typed
    assert edited.content.endswith(shown("kinds.edited_mark", language))
    assert "edit_date" in edited
    versions = await _versions(desk, desk.group.id, answer["message_id"])
    assert versions == ["请补充照片", "请补充<包装>的照片"]
    nothing_broke(desk.world, caplog)


async def test_an_agents_edit_older_than_telegram_allows_gets_a_clear_line(
    desk: Desk, caplog
) -> None:
    answer = await _agent_answer(desk, "明天回复您")
    copy = desk.fake.sent_to(desk.buyer)[-1]
    desk.fake.chat(desk.buyer).messages[copy.id]["date"] -= TWO_DAYS
    desk.fake.edit_text(desk.agent, answer, "今天回复您", chat=desk.group)
    await desk.world.settle()
    assert desk.fake.message(desk.buyer, copy.id).content == copy.content
    assert (await desk.thread())[-1].content == shown("kinds.agent_edit_failed")
    versions = await _versions(desk, desk.group.id, answer["message_id"])
    assert versions == ["明天回复您", "今天回复您"]
    nothing_broke(desk.world, caplog, "message can't be edited")


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_a_buyers_edit_of_a_relayed_message_edits_the_topics_copy(
    desk: Desk, caplog, language: str
) -> None:
    await desk.world.services.people.set_language(desk.buyer.id, language)
    sent = desk.fake.send_text(desk.buyer, "快递单号是 123")["message"]
    await desk.world.settle()
    copy = (await desk.thread())[-1]
    assert copy.content.endswith("快递单号是 123")
    desk.fake.edit_text(desk.buyer, sent, "快递单号是 456 & 789")
    await desk.world.settle()
    number = (await desk.ticket()).number
    assert desk.fake.sent_to(desk.buyer)[-1].content == shown(
        "kinds.edit_passed_on", language, number=number
    )
    edited = desk.fake.message(desk.group, copy.id)
    assert shown("kinds.edited_mark") in edited.content
    assert edited.content.endswith("快递单号是 456 & 789")
    versions = await _versions(desk, desk.buyer.id, sent["message_id"])
    assert versions == ["快递单号是 123", "快递单号是 456 & 789"]
    nothing_broke(desk.world, caplog)


async def test_a_buyers_edit_of_a_caption_edits_the_copys_caption(desk: Desk, caplog) -> None:
    sent = desk.fake.send_photo(desk.buyer, caption="包装破了")["message"]
    await desk.world.settle()
    copy = (await desk.thread())[-1]
    desk.fake.edit_caption(desk.buyer, sent, "包装和杯子都破了")
    await desk.world.settle()
    edited = desk.fake.message(desk.group, copy.id)
    assert edited.kind == "photo" and edited.content.endswith("包装和杯子都破了")
    assert shown("kinds.edited_mark") in edited.content
    nothing_broke(desk.world, caplog)


async def test_a_buyers_edit_whose_copy_is_too_old_is_posted_as_a_new_line(
    desk: Desk, caplog
) -> None:
    sent = desk.fake.send_text(desk.buyer, "地址写错了")["message"]
    await desk.world.settle()
    copy = (await desk.thread())[-1]
    desk.fake.chat(desk.group).messages[copy.id]["date"] -= TWO_DAYS
    desk.fake.edit_text(desk.buyer, sent, "地址是南京路 1 号")
    await desk.world.settle()
    assert desk.fake.message(desk.group, copy.id).content == copy.content
    last = (await desk.thread())[-1].content
    assert last == f"{shown('kinds.buyer_edited_line')}\n地址是南京路 1 号"
    nothing_broke(desk.world, caplog, "message can't be edited")
