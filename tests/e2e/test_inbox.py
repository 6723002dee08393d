"""The bot SIGKILLed in the middle of handling an update: nothing is lost, nothing doubled."""

from __future__ import annotations

import asyncio

from bot.texts import t
from bot.views.reply import plain_text
from tests.e2e.journey import inbox_rows, next_reply, tickets_of, to_summary
from tests.e2e.kill_window import kill_while_press_is_answered, until
from tests.e2e.process import BotProcess
from tests.e2e.test_faults import DESCRIPTION
from tests.fakes import FakeTelegram
from tests.fakes.rasa import FakeRasa, serve_fake_rasa


async def test_killed_while_the_nlu_classifies_the_update_is_handled_after_restart(
    telegram, bot_process: BotProcess, database: str
) -> None:
    fake, _ = telegram
    buyer = fake.add_user("李雷", language_code="zh-hans", started=True)
    rasa = FakeRasa(hold_parse=asyncio.Event())
    rasa.understands(DESCRIPTION, "product_quality", 0.91, platform="jd")
    async with serve_fake_rasa(rasa):
        bot_process.env["RASA_URL"] = rasa.url
        await bot_process.start()
        fake.send_text(buyer, DESCRIPTION)
        await until(lambda: rasa.waiting == 1)
        bot_process.kill()  # in the middle of the handler, before it has done anything
        assert fake.sent_to(buyer) == []
        rasa.hold_parse.set()
        await bot_process.start()
        [question] = await fake.wait_for_sent(buyer, 1, timeout=30)
        assert "商品质量问题" in question.content
        await asyncio.sleep(1.0)
        await bot_process.stop()
    assert len(fake.sent_to(buyer)) == 1
    [row] = await inbox_rows(database)
    assert row.done_at is not None and row.attempts == 2


async def test_killed_while_telegram_holds_the_answer_nothing_is_lost_or_doubled(
    telegram, bot_process: BotProcess, database: str
) -> None:
    fake, _ = telegram
    buyer = fake.add_user("李雷", language_code="zh-hans", started=True)
    async with serve_fake_rasa(FakeRasa()) as rasa:
        bot_process.env["RASA_URL"] = rasa.url
        await bot_process.start()
        summary = await to_summary(fake, buyer)
        release = fake.hold_answers("sendMessage", chat_id=buyer.id)
        before = len(fake.sent_to(buyer))
        fake.press_button(buyer, summary, "✅ 提交")
        await until(lambda: len(fake.sent_to(buyer)) > before)  # delivered, answer held
        bot_process.kill()
        release.set()
        await bot_process.start()
        fake.send_command(buyer, "status")
        await fake.wait_for_sent(buyer, before + 2, timeout=30)
        await asyncio.sleep(1.0)
        await bot_process.stop()
    sent = fake.sent_to(buyer)[before:]
    # The answer Telegram held when the bot died is sent again after the restart: the bot
    # cannot know Telegram had it (sent at least once); the ticket is filed once.
    filed = ["投诉已提交" in m.content for m in sent]
    assert filed in ([True, False], [True, True, False]), [m.content for m in sent]
    [ticket] = await tickets_of(database, buyer)
    assert all(ticket.number in m.content for m in sent)
    assert all(row.done_at is not None for row in await inbox_rows(database))


async def test_killed_between_the_effect_and_the_send_the_reply_still_goes_out(
    telegram, bot_process: BotProcess, database: str
) -> None:
    """Telegram is away (502) when the reply to /help is due; the bot is killed while it
    waits to try again. After the restart the reply goes out: it was queued with the
    update's done stamp, not lost with the process."""
    fake, _ = telegram
    buyer = fake.add_user("李雷", language_code="zh-hans", started=True)
    async with serve_fake_rasa(FakeRasa()) as rasa:
        bot_process.env["RASA_URL"] = rasa.url
        await bot_process.start()
        fake.fail_next("sendMessage", count=2, status=502)
        fake.send_command(buyer, "help")
        await until(lambda: _failed_sends(fake, buyer.id) >= 1)
        bot_process.kill()  # between the failed send and the next try
        assert fake.sent_to(buyer) == []
        await bot_process.start()
        [reply] = await fake.wait_for_sent(buyer, 1, timeout=30)
        await asyncio.sleep(1.0)
        await bot_process.stop()
    assert plain_text(t("zh", "help.text"))[:20] in reply.content
    assert len(fake.sent_to(buyer)) == 1
    assert all(row.done_at is not None for row in await inbox_rows(database))


def _failed_sends(fake: FakeTelegram, chat_id: int) -> int:
    return sum(
        call.method == "sendMessage" and call.status == 502
        and str(call.params.get("chat_id")) == str(chat_id)
        for call in fake.calls
    )  # fmt: skip


async def test_killed_after_submit_filed_the_ticket_the_buyer_gets_its_number_and_menu(
    telegram, bot_process: BotProcess, database: str
) -> None:
    """The bot dies after Submit filed the ticket, before its answer was queued (here:
    while Telegram holds the answer to the button press). After the restart the buyer,
    who tapped once, gets the number and the menu as on a first press, not "already
    filed"; the card is posted once."""
    fake, _ = telegram
    buyer = fake.add_user("李雷", language_code="zh-hans", started=True)
    agent = fake.add_user("王客服")
    group = fake.add_group("客服中心", is_forum=True, members={agent: "member"})
    bot_process.env["SUPPORT_CHAT_ID"] = str(group.id)
    async with serve_fake_rasa(FakeRasa()) as rasa:
        bot_process.env["RASA_URL"] = rasa.url
        await bot_process.start()
        summary = await to_summary(fake, buyer)
        release = fake.hold_answers("answerCallbackQuery")
        mark = len(fake.calls)
        before = len(fake.sent_to(buyer))
        fake.press_button(buyer, summary, "✅ 提交")
        await until(lambda: any(c.method == "answerCallbackQuery" for c in fake.calls[mark:]))
        # The group's worker posts the card meanwhile: a kill between its post and its record
        # would post it again (Telegram has no idempotent send), which is not what this tests.
        async with asyncio.timeout(30):
            while not any(t.group_card_message_id for t in await tickets_of(database, buyer)):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        bot_process.kill()  # the ticket is filed, its answer not queued yet
        assert len(await tickets_of(database, buyer)) == 1
        release.set()
        await bot_process.start()
        answer = await fake.wait_for(
            lambda: next((m for m in fake.sent_to(buyer)[before:] if m.buttons), None),
            timeout=30, what="the answer to Submit, with the menu",
        )  # fmt: skip
        await asyncio.sleep(1.0)
        await bot_process.stop()
    [ticket] = await tickets_of(database, buyer)
    assert "投诉已提交" in answer.content and ticket.number in answer.content
    assert [m.content for m in fake.sent_to(buyer)[before:]] == [answer.content]
    cards = [m for m in fake.sent_to(group) if m.buttons and ticket.number in (m.content or "")]
    assert len(cards) == 1
    assert all(row.done_at is not None for row in await inbox_rows(database))


async def test_killed_after_a_step_was_answered_the_next_question_comes_once_without_alert(
    telegram, bot_process: BotProcess, database: str
) -> None:
    """The bot dies after "skip" moved the intake on, before the next question was queued.
    After the restart the press is applied again: refused as stale, but the buyer is not
    told their button is outdated (it worked); the next question is asked, once."""
    fake, _ = telegram
    buyer = fake.add_user("李雷", language_code="zh-hans", started=True)
    async with serve_fake_rasa(FakeRasa()) as rasa:
        bot_process.env["RASA_URL"] = rasa.url
        await bot_process.start()
        question = await next_reply(fake, buyer, lambda: fake.send_text(buyer, "东西坏了"))
        question = await next_reply(
            fake, buyer, lambda: fake.press_button(buyer, question, "商品质量问题")
        )
        before = len(fake.sent_to(buyer))
        # "跳过" skips the platform; the bot dies before the next question is queued
        await kill_while_press_is_answered(
            fake, bot_process, lambda: fake.press_button(buyer, question, "跳过")
        )
        restarted = len(fake.calls)
        await bot_process.start()
        await fake.wait_for(
            lambda: next((m for m in fake.sent_to(buyer)[before:] if m.buttons), None),
            timeout=30, what="the next question",
        )  # fmt: skip
        await asyncio.sleep(1.0)
        await bot_process.stop()
    asked = [m.content for m in fake.sent_to(buyer)[before:]]
    assert len(asked) == 1 and "订单号" in asked[0], asked
    answers = [c for c in fake.calls[restarted:] if c.method == "answerCallbackQuery"]
    assert [c.params.get("text") for c in answers if c.params.get("text")] == []
    assert all(row.done_at is not None for row in await inbox_rows(database))


async def test_killed_after_submit_found_the_same_complaint_the_buyer_is_told_once(
    telegram, bot_process: BotProcess, database: str
) -> None:
    """The same complaint submitted again: the bot dies after Submit had found the open
    ticket (and closed the intake), before its answer was queued. After the restart the
    buyer is told, once, that the complaint is already filed as that ticket."""
    fake, _ = telegram
    buyer = fake.add_user("李雷", language_code="zh-hans", started=True)
    async with serve_fake_rasa(FakeRasa()) as rasa:
        bot_process.env["RASA_URL"] = rasa.url
        await bot_process.start()
        summary = await to_summary(fake, buyer)
        filed = await next_reply(fake, buyer, lambda: fake.press_button(buyer, summary, "✅ 提交"))
        await next_reply(fake, buyer, lambda: fake.press_button(buyer, filed, "📝 新投诉"))
        summary = await to_summary(fake, buyer)
        before = len(fake.sent_to(buyer))
        # the intake is closed, its answer not queued yet
        await kill_while_press_is_answered(
            fake, bot_process, lambda: fake.press_button(buyer, summary, "✅ 提交")
        )
        await bot_process.start()
        await fake.wait_for_sent(buyer, before + 1, timeout=30)
        await asyncio.sleep(1.0)
        await bot_process.stop()
    [ticket] = await tickets_of(database, buyer)
    told = [m.content for m in fake.sent_to(buyer)[before:]]
    assert len(told) == 1 and "已经提交过了" in told[0] and ticket.number in told[0], told
    assert all(row.done_at is not None for row in await inbox_rows(database))


async def test_killed_after_new_complaint_was_pressed_the_description_is_asked_once(
    telegram, bot_process: BotProcess, database: str
) -> None:
    """The bot dies after "new complaint" opened an intake, before its question was queued.
    After the restart the press answers as the first time, and the recovery does not ask
    the same question a second time."""
    fake, _ = telegram
    buyer = fake.add_user("李雷", language_code="zh-hans", started=True)
    async with serve_fake_rasa(FakeRasa()) as rasa:
        bot_process.env["RASA_URL"] = rasa.url
        await bot_process.start()
        summary = await to_summary(fake, buyer)
        filed = await next_reply(fake, buyer, lambda: fake.press_button(buyer, summary, "✅ 提交"))
        before = len(fake.sent_to(buyer))
        # the intake is open, its first question not queued yet
        await kill_while_press_is_answered(
            fake, bot_process, lambda: fake.press_button(buyer, filed, "📝 新投诉")
        )
        await bot_process.start()
        await fake.wait_for_sent(buyer, before + 1, timeout=30)
        await asyncio.sleep(1.5)
        await bot_process.stop()
    asked = [m.content for m in fake.sent_to(buyer)[before:]]
    assert len(asked) == 1, asked
    assert all(row.done_at is not None for row in await inbox_rows(database))
