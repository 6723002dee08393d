"""The whole service as it runs: `complaint-desk run` as a subprocess, starting the real
NLU server itself, long-polling a Bot API over HTTP, on a real database."""

from __future__ import annotations

import pytest

from bot.nlu_model import free_port
from tests.fakes import FakeTelegram, FakeUser, Msg

pytestmark = pytest.mark.nlu


class Journey:
    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake

    async def after(
        self, chat, act, count: int = 1, thread: int | None = None, expect: str | None = None
    ) -> list[Msg]:
        """Does `act()` and returns the bot's next `count` messages to `chat` (with `expect`,
        waits until one of them contains it: other news may arrive first)."""
        before = len(self.fake.sent_to(chat, thread))
        act()
        sent = await self.fake.wait_for_sent(chat, before + count, thread_id=thread, timeout=30)
        if expect is not None:
            await self.fake.wait_for(
                lambda: any(expect in (m.content or "") for m in self.fake.sent_to(chat)[before:]),
                timeout=30,
                what=f"a message containing {expect!r}",
            )
            sent = self.fake.sent_to(chat, thread)
        return sent[before:]

    async def press(self, user: FakeUser, message: Msg, *labels: str, chat=None) -> list[Msg]:
        """Presses the first of `labels` the message has; the reply to a buyer comes back."""
        available = [b["text"] for b in message.buttons]
        label = next(label for label in labels if label in available)
        target = chat if chat is not None else user
        return await self.after(
            target, lambda: self.fake.press_button(user, message, label, chat=chat)
        )


async def test_buyer_files_agents_answer_resolve_buyer_escalates(telegram, bot_process) -> None:
    fake, _ = telegram
    buyer = fake.add_user("李雷", language_code="zh-hans", started=True)
    agent, supervisor = fake.add_user("王客服"), fake.add_user("主管", started=True)
    group = fake.add_group(
        "客服中心", is_forum=True, members={agent: "member", supervisor: "administrator"}
    )
    bot_process.env.update(
        SUPPORT_CHAT_ID=str(group.id),
        ADMIN_IDS=str(supervisor.id),
        RASA_URL=f"http://127.0.0.1:{free_port()}",
        # The journey sends about 25 requests into the group within a minute; Telegram's
        # 20 per minute would make it wait most of a minute (the fake enforces no limit).
        TELEGRAM_GROUP_MESSAGES_PER_MINUTE="120",
    )
    bot_process.manage_nlu = True
    await bot_process.start(timeout=300)
    j = Journey(fake)

    # The buyer files a complaint with a photo and a PDF.
    text = "淘宝买的羽绒服洗了一次就破了好几个洞,订单号4012345678901234567"
    [question] = await j.after(buyer, lambda: fake.send_text(buyer, text))
    if "✅ 对" in str(question.buttons):
        [question] = await j.press(buyer, question, "✅ 对")
    else:
        if "商品质量问题" not in str(question.buttons):  # a short list without it
            [question] = await j.press(buyer, question, "另一个类别…")
        [question] = await j.press(buyer, question, "商品质量问题")
    # The platform and the order number came with the description: the shop is next.
    assert "哪家店铺" in question.content
    [question] = await j.after(buyer, lambda: fake.send_text(buyer, "某某服饰旗舰店"))
    [question] = await j.press(buyer, question, "退款")
    await j.after(buyer, lambda: fake.send_photo(buyer, caption="破洞"))
    [count] = await j.after(buyer, lambda: fake.send_document(buyer, file_name="质检报告.pdf"))
    assert "2/10" in count.content
    [summary] = await j.press(buyer, count, "✅ 完成")
    [filed] = await j.press(buyer, summary, "✅ 提交")
    assert "投诉已提交" in filed.content
    number = filed.content.split("编号 ")[1].split("。")[0]

    # The agents' topic receives the card and the files.
    topic = await fake.wait_for(lambda: next(iter(fake.chat(group).topics.values()), None))
    assert topic.name.startswith(number)
    posted = await fake.wait_for_sent(group, 3, thread_id=topic.message_thread_id)
    card = posted[0]
    assert number in card.content and "羽绒服" in card.content
    kinds = {m.kind for m in fake.sent_to(group, topic.message_thread_id)}
    assert {"photo", "document"} <= kinds or "photo" in kinds

    def in_topic(text: str) -> None:
        fake.send_text(agent, text, chat=group, thread_id=topic.message_thread_id)

    # An agent answers with text and with a photo.
    [answer] = await j.after(buyer, lambda: in_topic("您好,请问破洞的位置在哪里?"))
    assert "客服回复" in answer.content and "王客服" not in answer.content
    [photo] = await j.after(
        buyer,
        lambda: fake.send_photo(
            agent, chat=group, thread_id=topic.message_thread_id, caption="示例"
        ),
    )
    assert photo.kind == "photo"

    # The buyer follows up by replying to the answer.
    thread = topic.message_thread_id
    [relayed] = await j.after(
        group, lambda: fake.send_text(buyer, "在袖口和领口", reply_to=answer), thread=thread
    )
    assert "在袖口和领口" in relayed.content

    # The agent accepts, investigates and asks for more; the buyer sends it.
    card = fake.message(group, card.id)
    for label in ("✅ 受理", "🔍 开始调查", "❓ 请买家补充"):
        await j.press(agent, fake.message(group, card.id), label, chat=group)
    await fake.wait_for(
        lambda: "等待您补充信息" in (fake.sent_to(buyer)[-1].content or ""),
        timeout=30,
        what="the buyer being asked for more",
    )
    # Her answer resumes the investigation; the agent sees that in the topic before deciding.
    await j.after(
        group, lambda: fake.send_photo(buyer, caption="袖口特写"), thread=thread, expect="→ 调查中"
    )

    # The agent resolves with an explanation, which the buyer receives in full.
    news = await j.after(
        group,
        lambda: fake.press_button(agent, fake.message(group, card.id), "✔️ 处理完毕", chat=group),
        expect="回复这条消息",
    )
    prompt = next(m for m in news if "回复这条消息" in m.content)
    explanation = "经核实属于面料质量问题,商家同意全额退款,款项 3 个工作日内原路退回。"
    news = await j.after(
        buyer,
        lambda: fake.send_text(agent, explanation, chat=group, thread_id=thread, reply_to=prompt),
        expect=explanation,
    )
    decision = next(m for m in news if explanation in m.content)

    # The buyer rates 2 and escalates; the supervisor hears of it.
    before = len(fake.sent_to(supervisor))
    choices = await j.after(
        buyer, lambda: fake.press_button(buyer, decision, "⭐⭐"), expect="申请复核"
    )
    offer = next(m for m in choices if "⬆️ 升级处理" in str(m.buttons))
    await j.press(buyer, offer, "⬆️ 升级处理")
    alert = await fake.wait_for_sent(supervisor, before + 1, timeout=30)
    assert number in alert[-1].content

    # The buyer asks for the status in plain words.
    news = await j.after(
        buyer, lambda: fake.send_text(buyer, "我的投诉现在处理到哪一步了?"), expect="已升级"
    )
    assert any(number in m.content and "已升级" in m.content for m in news)

    assert await bot_process.stop() == 0
    assert "Traceback" not in bot_process.log()
