"""A buyer files a complaint through Telegram, from the first message to the number."""

from __future__ import annotations

from tests.bot.world import World, texts

KETTLE = "京东买的电水壶用了三天就不加热了,订单号4012345678901234567"


async def test_start_explains_and_offers_buttons(world: World) -> None:
    buyer = world.buyer()
    replies = await world.command(buyer, "start")
    assert "投诉受理助手" in texts(replies)
    assert [b["text"] for b in replies[-1].buttons] == ["📝 新投诉", "📋 我的投诉", "❓ 常见问题"]


async def test_whole_path_with_a_photo_and_a_document(world: World) -> None:
    buyer = world.buyer()
    world.rasa.understands(
        KETTLE, "product_quality", 0.92, platform="jd", order_id="4012345678901234567"
    )
    replies = await world.say(buyer, KETTLE)
    assert (
        "我理解为:<b>商品质量问题</b>" in replies[-1].content
        or "商品质量问题" in replies[-1].content
    )
    replies = await world.press(buyer, replies[-1], "✅ 对")
    # the platform and the order number named in the description are not asked again
    assert "哪家店铺" in replies[-1].content
    replies = await world.say(buyer, "美的官方旗舰店")
    replies = await world.press(buyer, replies[-1], "退款")
    assert "证据" in replies[-1].content
    await world.exchange(buyer, lambda: world.fake.send_photo(buyer, caption="不加热"))
    replies = await world.exchange(
        buyer, lambda: world.fake.send_document(buyer, file_name="检测报告.pdf")
    )
    assert "已收到 2/10" in replies[-1].content
    replies = await world.press(buyer, replies[-1], "✅ 完成")
    summary = replies[-1].content
    assert "美的官方旗舰店" in summary and "2 个文件" in summary
    assert "京东" in summary and "4012345678901234567" in summary
    assert "平台、订单号是从您的描述里读出的" in summary
    replies = await world.press(buyer, replies[-1], "✅ 提交")
    assert "投诉已提交" in replies[-1].content
    tickets = await world.services.tickets.list_for_owner(buyer.id)
    assert len(tickets) == 1 and tickets[0].number in replies[-1].content
    ticket = tickets[0]
    assert (ticket.category, ticket.platform, ticket.desired_resolution) == (
        "product_quality",
        "jd",
        "refund",
    )
    kinds = [a.kind.value for a in await world.services.tickets.list_attachments(ticket.number)]
    assert kinds == ["photo", "document"]


async def walk_to_summary(world: World, buyer, text: str, category_label: str) -> list:
    """Description, then the category from the full list, every detail skipped."""
    replies = await world.say(buyer, text)
    replies = await world.press(buyer, replies[-1], category_label)
    replies = await world.press(buyer, replies[-1], "跳过")  # platform
    replies = await world.press(buyer, replies[-1], "跳过")  # order
    replies = await world.press(buyer, replies[-1], "跳过")  # shop
    replies = await world.press(buyer, replies[-1], "跳过")  # outcome
    return await world.press(buyer, replies[-1], "✅ 完成")  # evidence


async def test_category_correction(world: World) -> None:
    buyer = world.buyer()
    world.rasa.understands("快递一直没到", "refund_return", 0.7)
    replies = await world.say(buyer, "快递一直没到")
    assert "退款退货" in replies[-1].content
    replies = await world.press(buyer, replies[-1], "选择其他类别")
    assert "请选择最接近的投诉类别" in replies[-1].content
    replies = await world.press(buyer, replies[-1], "物流 / 未收到货")
    assert "哪个平台" in replies[-1].content
    prompt = await world.services.intake.current(buyer.id)
    assert prompt.draft.category == "delivery" and prompt.draft.confidence is None


async def test_nlu_unavailable_offers_the_list_and_files_anyway(world: World) -> None:
    world.settings_overrides["rasa_url"] = "http://127.0.0.1:9"  # nothing listens there
    await world.restart()
    buyer = world.buyer()
    replies = await world.say(buyer, "店家发了假货还不认")
    assert "自动识别暂时不可用" in replies[-1].content
    replies = await world.press(buyer, replies[-1], "假冒伪劣")
    for _ in range(4):
        replies = await world.press(buyer, replies[-1], "跳过")
    replies = await world.press(buyer, replies[-1], "✅ 完成")
    replies = await world.press(buyer, replies[-1], "✅ 提交")
    assert "投诉已提交" in replies[-1].content


async def test_a_restart_in_the_middle_continues_where_the_buyer_was(world: World) -> None:
    buyer = world.buyer()
    replies = await world.say(buyer, "平台乱扣我钱")
    replies = await world.press(buyer, replies[-1], "扣款 / 价格 / 关税")
    replies = await world.press(buyer, replies[-1], "淘宝")
    order_question = replies[-1]
    await world.restart()
    replies = await world.say(buyer, "12345")
    assert "格式不对" in texts(replies)
    replies = await world.say(buyer, "4012345678901234567")
    assert "哪家店铺" in replies[-1].content
    await world.restart()
    replies = await world.press(buyer, order_question, "跳过", replies=0)  # an answered question
    assert replies == []
    assert "失效" in world.fake.last_call("answerCallbackQuery").params.get("text", "")
    prompt = await world.services.intake.current(buyer.id)
    assert prompt.draft.platform == "taobao" and prompt.draft.order_number == "4012345678901234567"


async def test_submitting_twice_gives_one_ticket(world: World) -> None:
    buyer = world.buyer()
    summary = (await walk_to_summary(world, buyer, "东西坏了", "商品质量问题"))[-1]
    data = summary.button("✅ 提交")["callback_data"]
    before = len(world.fake.sent_to(buyer))
    world.fake.send_callback_query(buyer, summary, data)  # a double tap: both arrive
    world.fake.send_callback_query(buyer, summary, data)
    await world.fake.wait_for_sent(buyer, before + 2, timeout=10)
    replies = world.fake.sent_to(buyer)[before:]
    tickets = await world.services.tickets.list_for_owner(buyer.id)
    assert len(tickets) == 1
    assert tickets[0].number in replies[0].content and "投诉已提交" in replies[0].content
    assert "已经提交过" in replies[1].content and tickets[0].number in replies[1].content


async def test_status_by_command_and_by_plain_text(world: World) -> None:
    buyer = world.buyer()
    summary = (await walk_to_summary(world, buyer, "东西坏了", "商品质量问题"))[-1]
    await world.press(buyer, summary, "✅ 提交")
    number = (await world.services.tickets.list_for_owner(buyer.id))[0].number
    listed = await world.command(buyer, "status")
    assert number in listed[-1].content and "已受理,等待审核" in listed[-1].content
    one = await world.command(buyer, "status", number)
    assert "下一步" in one[-1].content and number in one[-1].content
    mine = await world.command(buyer, "mytickets")
    assert number in mine[-1].content
    world.rasa.understands("我的投诉到哪一步了", "check_status", 0.96)
    asked = await world.say(buyer, "我的投诉到哪一步了")
    assert number in asked[-1].content
    by_number = await world.say(buyer, number.lower())
    assert "下一步" in by_number[-1].content


async def test_someone_elses_number_looks_like_no_number(world: World) -> None:
    owner, other = world.buyer("韩梅梅"), world.buyer("Tom", "en")
    summary = (await walk_to_summary(world, owner, "东西坏了", "商品质量问题"))[-1]
    await world.press(owner, summary, "✅ 提交")
    number = (await world.services.tickets.list_for_owner(owner.id))[0].number
    theirs = await world.command(other, "status", number)
    unknown = await world.command(other, "status", "TS-20261121-9999")
    assert theirs[-1].content == unknown[-1].content.replace("TS-20261121-9999", number)
    assert "no complaint numbered" in theirs[-1].content


async def test_english_buyer_gets_english_and_can_switch(world: World) -> None:
    buyer = world.buyer("Anna", "en-GB")
    replies = await world.command(buyer, "start")
    assert "I take <b>complaints" in replies[0].content or "complaints" in replies[0].content
    replies = await world.command(buyer, "lang")
    replies = await world.press(buyer, replies[-1], "中文")
    assert "中文" in replies[-1].content
    replies = await world.command(buyer, "help")
    assert "我能帮您做什么" in replies[-1].content


async def test_html_in_a_description_is_shown_as_text(world: World) -> None:
    buyer = world.buyer()
    text = "<b>假货</b> & <script>alert(1)</script> [链接](http://x) *粗*"
    replies = await walk_to_summary(world, buyer, text, "假冒伪劣")
    assert "&lt;b&gt;假货&lt;/b&gt; &amp; &lt;script&gt;" in replies[-1].content or (
        "<script>" in replies[-1].content  # the fake stores the text Telegram shows
    )
    assert not any(c.description for c in world.fake.calls if not c.ok)


async def test_personal_numbers_are_accepted_with_a_warning(world: World, caplog) -> None:
    buyer = world.buyer()
    replies = await world.say(buyer, "快递员用13812345678打电话骂我,身份证110101199003071234")
    assert "完整的手机号或身份证号" in texts(replies)
    prompt = await world.services.intake.current(buyer.id)
    assert "13812345678" in prompt.draft.description


async def test_kinds_the_bot_cannot_take_get_an_answer(world: World) -> None:
    buyer = world.buyer()
    for act in (
        lambda: world.fake.send_sticker(buyer),
        lambda: world.fake.send_location(buyer, 31.23, 121.47),
        lambda: world.fake.send_contact(buyer, "+8613812345678", "快递员"),
    ):
        replies = await world.exchange(buyer, act)
        assert "无法处理这类消息" in replies[-1].content
    before = len(world.fake.sent_to(buyer))
    sent = world.fake.send_text(buyer, "原来的话")["message"]
    await world.fake.wait_for_sent(buyer, before + 1)
    replies = await world.exchange(buyer, lambda: world.fake.edit_text(buyer, sent, "改过的话"))
    assert "修改了一条消息" in replies[-1].content
    replies = await world.say(buyer, "   ")
    assert replies and "空的" in replies[-1].content


async def test_unsupported_and_too_many_files_keep_what_was_received(world: World) -> None:
    buyer = world.buyer()
    replies = await world.say(buyer, "收到的是假货")
    replies = await world.press(buyer, replies[-1], "假冒伪劣")
    for _ in range(4):
        replies = await world.press(buyer, replies[-1], "跳过")
    replies = await world.exchange(
        buyer, lambda: world.fake.send_document(buyer, b"MZ\x90\x00", file_name="tool.exe")
    )
    assert "无法作为证据保存" in replies[-1].content
    replies = await world.exchange(
        buyer, lambda: world.fake.send_video(buyer, file_size=50 * 2**20)
    )
    assert "超过 20 MB" in replies[-1].content
    for _ in range(10):
        await world.exchange(buyer, lambda: world.fake.send_photo(buyer))
    replies = await world.exchange(buyer, lambda: world.fake.send_photo(buyer))
    assert "最多只能上传 10 个" in replies[-1].content
    prompt = await world.services.intake.current(buyer.id)
    assert len(prompt.draft.evidence) == 10


async def test_an_album_is_acknowledged_once(world: World) -> None:
    buyer = world.buyer()
    replies = await world.say(buyer, "收到的是假货")
    replies = await world.press(buyer, replies[-1], "假冒伪劣")
    for _ in range(4):
        replies = await world.press(buyer, replies[-1], "跳过")
    before = len(world.fake.sent_to(buyer))
    world.fake.send_album(buyer, ["photo", "photo", "video"])
    await world.fake.wait_for_sent(buyer, before + 1, timeout=5)
    await world.settle(quiet=0.1)
    acks = world.fake.sent_to(buyer)[before:]
    assert [m.content for m in acks] == ["已收到 3/10 个文件。继续上传,或点“完成”。"]


async def test_cancel_withdraws_the_draft(world: World) -> None:
    buyer = world.buyer()
    await world.say(buyer, "东西坏了")
    replies = await world.command(buyer, "cancel")
    assert "已放弃" in replies[-1].content
    assert await world.services.intake.current(buyer.id) is None
    replies = await world.command(buyer, "cancel")
    assert "没有正在填写的投诉" in replies[-1].content


async def test_a_message_after_filing_goes_to_the_ticket_the_buyer_picks(world: World) -> None:
    buyer = world.buyer()
    summary = (await walk_to_summary(world, buyer, "东西坏了", "商品质量问题"))[-1]
    await world.press(buyer, summary, "✅ 提交")
    number = (await world.services.tickets.list_for_owner(buyer.id))[0].number
    await world.services.tickets.file_ticket(buyer.id, category="delivery", description="快递丢了")
    replies = await world.say(buyer, "商家今天又拒绝了")  # two open tickets: which one?
    assert "属于哪一张投诉" in replies[-1].content
    replies = await world.press(buyer, replies[-1], f"{number} · 商品质量问题")
    assert number in replies[-1].content and "已把您的消息加入投诉" in replies[-1].content
    stored = await world.services.tickets.find_ticket_by_message(buyer.id, replies[0].id - 2)
    assert stored is not None and stored.number == number


UNSURE = "买的裙子和图片不一样,线头很多"
UNSURE_RANKING = [
    ("nlu_fallback", 0.3), ("not_as_described", 0.33), ("product_quality", 0.3),
    ("refund_return", 0.12), ("counterfeit", 0.1), ("greet", 0.05),
]  # fmt: skip


async def test_an_unsure_model_offers_three_categories_and_another(world: World) -> None:
    buyer = world.buyer()
    world.rasa.ranks(UNSURE, UNSURE_RANKING)
    replies = await world.say(buyer, UNSURE)
    assert "最可能是下面三类之一" in replies[-1].content
    assert [b["text"] for b in replies[-1].buttons] == [
        "货不对板 / 虚假宣传", "商品质量问题", "退款退货 / 售后", "另一个类别…",
    ]  # fmt: skip
    replies = await world.press(buyer, replies[-1], "另一个类别…")
    assert "请选择最接近的投诉类别" in replies[-1].content
    assert len(replies[-1].buttons) == 12
    replies = await world.press(buyer, replies[-1], "假冒伪劣")
    assert "哪个平台" in replies[-1].content
    assert (await world.services.intake.current(buyer.id)).draft.category == "counterfeit"


async def test_the_three_categories_in_english(world: World) -> None:
    buyer = world.buyer("Anna", "en")
    text = "the dress looks nothing like the photos and the seams are loose"
    world.rasa.ranks(text, UNSURE_RANKING)
    replies = await world.say(buyer, text)
    assert "most likely one of these three" in replies[-1].content
    labels = [b["text"] for b in replies[-1].buttons]
    assert labels[-1] == "Another category…" and len(labels) == 4
    replies = await world.press(buyer, replies[-1], labels[1])
    assert "platform" in replies[-1].content
    draft = (await world.services.intake.current(buyer.id)).draft
    assert draft.category == "product_quality" and draft.model_guess == "not_as_described"


EVERYTHING = "天猫美的官方旗舰店买的空调坏了,订单4012345678901234567,我要退款"


async def test_the_description_answers_the_questions_and_the_summary_shows_it(world) -> None:
    buyer = world.buyer()
    world.rasa.understands(
        EVERYTHING, "product_quality", 0.9, platform="tmall",
        order_id="4012345678901234567", shop="美的官方旗舰店", outcome="refund",
    )  # fmt: skip
    replies = await world.say(buyer, EVERYTHING)
    replies = await world.press(buyer, replies[-1], "✅ 对")
    assert "请上传证据" in replies[-1].content  # nothing else left to ask
    replies = await world.press(buyer, replies[-1], "✅ 完成")
    summary = replies[-1].content
    assert "天猫" in summary and "美的官方旗舰店" in summary and "退款" in summary
    assert "平台、订单号、店铺、解决方式是从您的描述里读出的" in summary
    replies = await world.press(buyer, replies[-1], "✏️ 修改")
    replies = await world.press(buyer, replies[-1], "解决方式")
    replies = await world.press(buyer, replies[-1], "赔偿")
    summary = replies[-1].content
    assert "希望的解决方式:赔偿" in summary
    assert "平台、订单号、店铺是从您的描述里读出的" in summary
    replies = await world.press(buyer, replies[-1], "✅ 提交")
    ticket = (await world.services.tickets.list_for_owner(buyer.id))[0]
    assert (ticket.platform, ticket.shop, ticket.desired_resolution) == (
        "tmall", "美的官方旗舰店", "compensation",
    )  # fmt: skip


async def test_the_summary_says_what_came_from_the_description_in_english(world) -> None:
    buyer = world.buyer("Tom", "en")
    text = "The Anker Official Store on JD sent a dead power bank, I want a refund"
    world.rasa.understands(
        text, "product_quality", 0.9, platform="jd", shop="Anker Official Store",
        outcome="refund",
    )  # fmt: skip
    replies = await world.say(buyer, text)
    replies = await world.press(buyer, replies[-1], "✅ Yes")
    assert "order number" in replies[-1].content  # the one question the text left open
    replies = await world.press(buyer, replies[-1], "Skip")
    replies = await world.press(buyer, replies[-1], "✅ Done")
    summary = replies[-1].content
    assert "Anker Official Store" in summary
    assert "Platform, Shop, Outcome taken from your description" in summary


async def test_a_short_description_is_classified_once(world: World) -> None:
    """At the describe question a short text is both checked for "cancel" and classified:
    one request to the model serves both."""
    buyer = world.buyer()
    menu = await world.command(buyer, "start")
    await world.press(buyer, menu[-1], "📝 新投诉")
    world.rasa.understands("杯子碎了", "product_quality", 0.9)
    world.rasa.requests.clear()

    replies = await world.say(buyer, "杯子碎了")

    assert "商品质量问题" in replies[-1].content
    parses = [body for path, body in world.rasa.requests if path == "/model/parse"]
    assert parses == [{"text": "杯子碎了"}]
