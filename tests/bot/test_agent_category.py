"""An agent changes a ticket's category from its card; forum and plain group."""

from __future__ import annotations

from tests.bot.desk import Desk
from tests.bot.world import texts


def alerts(desk: Desk) -> list[str]:
    return [
        c.params.get("text", "")
        for c in desk.fake.calls_of("answerCallbackQuery")
        if c.params.get("show_alert")
    ]


async def test_the_card_opens_the_category_list_and_goes_back(desk: Desk) -> None:
    await desk.press("🏷 更改类别")
    labels = [b["text"] for b in (await desk.card()).buttons]
    assert len(labels) == 13 and labels[-1] == "返回"
    assert "✅ 商品质量问题" in labels and "物流 / 未收到货" in labels
    await desk.press("返回")
    labels = [b["text"] for b in (await desk.card()).buttons]
    assert labels[:3] == ["🙋 认领", "✅ 受理", "🔍 开始调查"] and "🏷 更改类别" in labels


async def test_a_new_category_reaches_card_topic_and_stats_not_the_buyer(desk: Desk) -> None:
    before = len(desk.fake.sent_to(desk.buyer))
    await desk.press("🏷 更改类别")
    await desk.press("假冒伪劣")
    ticket = await desk.ticket()
    assert ticket.category == "counterfeit" and ticket.model_category is None  # fake NLU: none
    card = await desk.card()
    assert "类别:假冒伪劣(模型置信度 客服已更正)" in card.content
    assert "🏷 更改类别" in [b["text"] for b in card.buttons]
    assert "🏷 类别:商品质量问题 → 假冒伪劣(由 王客服 更改)" in texts(await desk.thread())
    if desk.group.is_forum:
        topic = desk.fake.chat(desk.group).topics[ticket.group_topic_id]
        assert "假冒伪劣" in topic.name and "商品质量问题" not in topic.name
    assert len(desk.fake.sent_to(desk.buyer)) == before  # the buyer is not bothered
    summary = await desk.world.services.stats.summary(7)
    assert dict(summary.by_category)["counterfeit"] == 1
    assert dict(summary.by_category)["product_quality"] == 0


async def test_choosing_the_same_category_changes_nothing(desk: Desk) -> None:
    await desk.press("🏷 更改类别")
    await desk.press("✅ 商品质量问题")
    assert (await desk.ticket()).category == "product_quality"
    assert "更改)" not in texts(await desk.thread())
    assert "🏷 更改类别" in [b["text"] for b in (await desk.card()).buttons]


async def test_a_list_opened_before_someone_else_changed_it_is_stale(desk: Desk) -> None:
    await desk.press("🏷 更改类别")
    account = (await desk.card()).button("账号问题")["callback_data"]  # product_quality > account
    await desk.press("物流 / 未收到货", agent=desk.colleague)
    desk.fake.send_callback_query(desk.agent, await desk.card(), account, chat=desk.group)
    await desk.world.settle(quiet=0.1)
    assert (await desk.ticket()).category == "delivery"
    assert any("刚刚已被改为“物流 / 未收到货”" in text for text in alerts(desk))


async def test_forged_category_buttons_are_refused(desk: Desk) -> None:
    ticket = await desk.ticket()
    card = await desk.card()
    own = desk.fake.sent_to(desk.buyer)[-1]
    desk.fake.send_callback_query(desk.buyer, own, f"agcat|0>3|{ticket.number}")
    for forged in (f"agcat|0>12|{ticket.number}", f"agcat|0>x|{ticket.number}",
                   "agcat|0>3|TS-20261121-9999", "agcat|open"):  # fmt: skip
        desk.fake.send_callback_query(desk.agent, card, forged)
    await desk.world.settle(quiet=0.1)
    assert len(alerts(desk)) == 5
    assert all("只有客服群的成员" in text for text in alerts(desk))
    assert (await desk.ticket()).category == "product_quality"


async def test_the_category_list_in_english(desk: Desk) -> None:
    desk.world.settings_overrides["agent_language"] = "en"
    await desk.world.restart()
    await desk.press("🏷 更改类别")  # a card posted before the switch
    assert "✅ Product quality" in [b["text"] for b in (await desk.card()).buttons]
    await desk.press("Counterfeit")
    thread = texts(await desk.thread())
    assert "🏷 Category: Product quality → Counterfeit (changed by 王客服)" in thread
    assert "Category: Counterfeit" in (await desk.card()).content


async def test_a_corrected_card_names_the_models_first_guess(desk: Desk) -> None:
    from dataclasses import replace

    from bot.agents.card import CardFacts, card_text

    ticket = replace(
        await desk.ticket(),
        category="refund_return",
        model_category="delivery",
        category_confidence=0.91,
        category_corrected_at=desk.world.clock(),
    )
    facts = CardFacts(evidence_count=0, assignee=None)
    zh = card_text(ticket, facts, "zh", "Asia/Shanghai", desk.world.clock())
    assert "类别:退款退货 / 售后(模型置信度 客服已更正;模型首选:物流 / 未收到货)" in zh
    en = card_text(ticket, facts, "en", "Asia/Shanghai", desk.world.clock())
    assert "corrected by an agent; the model's first guess: Delivery" in en and "91%" not in en
