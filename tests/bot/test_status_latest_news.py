"""The "latest news" of a status answer reads as the buyer was told it: no markup as text."""

from __future__ import annotations

from tests.bot.desk import Desk
from tests.bot.test_aftercare_flow import resolve

MARKUP = ("<b>", "</b>", "<code>", "</code>", "&lt;", "&gt;", "&amp;")


def latest_of(content: str) -> str:
    return content.split("最新消息:", 1)[1]


async def test_status_news_after_a_status_change_shows_no_tags(desk: Desk) -> None:
    await desk.press("✅ 受理")
    number = (await desk.ticket()).number
    listed = (await desk.world.command(desk.buyer, "status"))[-1].content
    one = (await desk.world.command(desk.buyer, "status", number))[-1].content
    desk.world.rasa.understands("我的投诉怎么样了", "check_status", 0.96)
    asked = (await desk.world.say(desk.buyer, "我的投诉怎么样了"))[-1].content
    for answer in (listed, one, asked):
        news = latest_of(answer)
        assert f"您的投诉 {number} 状态更新:已审核,等待调查" in news
        assert not [mark for mark in MARKUP if mark in news]


async def test_a_decision_with_markup_characters_is_shown_as_written(desk: Desk) -> None:
    explanation = "退款 <3 个工作日> & 运费由商家承担"
    await resolve(desk, explanation)
    number = (await desk.ticket()).number
    news = latest_of((await desk.world.command(desk.buyer, "status", number))[-1].content)
    assert explanation in news and "处理结果和理由" in news
    assert "<b>" not in news and "<code>" not in news and "&lt;" not in news
