"""The bot SIGKILLed while a buyer's "ask for review" or "escalate" is handled, on a ticket
resolved with an explanation: after the restart the action took effect once, the buyer got
its answer once, the agents' group (and the supervisor) its notice once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import create_engine
from storage.models import AuditEntry, Ticket
from tests.e2e.journey import inbox_rows, next_reply, unsent
from tests.e2e.kill_window import (
    bot_on_postgres,
    filed_with_card,
    kill_while_press_is_answered,
    kill_with_outbox_locked,
    queued_texts,
    restart_until_told,
    until,
)
from tests.fakes import FakeChat, FakeTelegram, FakeUser, Msg

pytestmark = pytest.mark.postgres

EXPLANATION = "经核实商家已同意退款"
REASON = "退款一直没有到账"
REOPENED = "已为您申请复核"
ESCALATED = "已升级至上级主管"


@pytest.mark.parametrize("window", ["outbox_locked", "press_answered"])
async def test_killed_while_an_escalation_is_handled_it_is_told_once_after_restart(
    tmp_path: Path, telegram: tuple[FakeTelegram, str], window: str
) -> None:
    """`outbox_locked`: the ticket is escalated, nothing about it is queued yet (the card,
    the topic's note, the supervisor's alert, the buyer's answer). `press_answered`: all of
    it is queued, the update is not done (Telegram holds the answer to the press)."""
    fake, base_url = telegram
    buyer, agent, supervisor, group = _people(fake)
    async with bot_on_postgres(fake, base_url, group, tmp_path, "e2e_escalate",
                               ADMIN_IDS=str(supervisor.id)) as rig:  # fmt: skip
        await rig.bot.start()
        number, choices = await _unhappy_after_decision(fake, buyer, agent, group, rig.database)
        before = len(fake.sent_to(buyer))
        notes, alerts = len(fake.sent_to(group)), len(fake.sent_to(supervisor))
        press = lambda: fake.press_button(buyer, choices, "⬆️ 升级处理")  # noqa: E731
        if window == "outbox_locked":
            status = select(Ticket.status).where(Ticket.number == number)
            await kill_with_outbox_locked(rig.outside, rig.bot, press, status,
                                          lambda value: value == "escalated")  # fmt: skip
        else:
            await kill_while_press_is_answered(fake, rig.bot, press)
        await rig.bot.start()
        await fake.wait_for(
            lambda: any(ESCALATED in m.content for m in fake.sent_to(buyer)[before:]) or None,
            timeout=30, what="the buyer's answer",
        )  # fmt: skip
        await until(lambda: len(fake.sent_to(supervisor)) > alerts)
        await asyncio.sleep(2.0)
        await rig.bot.stop()
        rows = await inbox_rows(rig.database)
        changes = await _status_changes(rig.database, number)
        queued = await queued_texts(rig.database)
    assert changes.count("escalated") == 1, changes
    told = [m.content for m in fake.sent_to(buyer)[before:]]
    assert len([m for m in told if ESCALATED in m]) == 1, told
    assert not [m for m in told if "还没有处理结果" in m], told
    # Queued, the topic's note of the change and the alert are there once each (and the
    # supervisor's). With `press_answered` they may have reached Telegram just before the
    # kill without being recorded as sent, and be sent again (at least once); otherwise
    # nothing of them went out before the kill: exactly once.
    alert = f"投诉 {number} 已升级"
    assert len([q for q in queued if "→" in q and "已升级" in q]) == 1, queued
    assert len([q for q in queued if alert in q]) == 2, queued  # the topic's, the supervisor's
    noted = [m.content for m in fake.sent_to(group)[notes:]]
    alerted = [m.content for m in fake.sent_to(supervisor)[alerts:]]
    once = (lambda n: n == 1) if window == "outbox_locked" else (lambda n: n >= 1)
    assert once(len([m for m in noted if "→" in m])), noted
    assert once(len([m for m in noted if alert in m])), noted
    assert once(len(alerted)) and all(number in m for m in alerted), alerted
    assert all(row.done_at is not None for row in rows)


async def test_killed_after_a_review_was_filed_it_is_told_once_after_restart(
    tmp_path: Path, telegram: tuple[FakeTelegram, str]
) -> None:
    """The buyer presses "ask for review" and gives the reason; the bot dies once the ticket
    is reopened, before the topic's note and the buyer's answer were queued."""
    fake, base_url = telegram
    buyer, agent, supervisor, group = _people(fake)
    async with bot_on_postgres(fake, base_url, group, tmp_path, "e2e_review") as rig:
        await rig.bot.start()
        number, choices = await _unhappy_after_decision(fake, buyer, agent, group, rig.database)
        await next_reply(fake, buyer, lambda: fake.press_button(buyer, choices, "🔁 申请复核"))
        await _sent_out(rig.database)
        before, notes = len(fake.sent_to(buyer)), len(fake.sent_to(group))
        status = select(Ticket.status).where(Ticket.number == number)
        await kill_with_outbox_locked(
            rig.outside, rig.bot, lambda: fake.send_text(buyer, REASON), status,
            lambda value: value == "reopened",
        )  # fmt: skip
        await restart_until_told(fake, rig.bot, buyer, REOPENED, after=before,
                                 what="the buyer's answer", settle=2.0)  # fmt: skip
        rows = await inbox_rows(rig.database)
        changes = await _status_changes(rig.database, number)
    assert changes.count("reopened") == 1, changes
    told = [m.content for m in fake.sent_to(buyer)[before:]]
    assert len(told) == 1 and REOPENED in told[0] and number in told[0], told
    noted = [m.content for m in fake.sent_to(group)[notes:]]
    assert len([m for m in noted if REASON in m]) == 1, noted
    assert len([m for m in noted if "→" in m]) == 1, noted
    assert all(row.done_at is not None for row in rows)


def _people(fake: FakeTelegram) -> tuple[FakeUser, FakeUser, FakeUser, FakeChat]:
    buyer = fake.add_user("李雷", language_code="zh-hans", started=True)
    agent, supervisor = fake.add_user("王客服"), fake.add_user("主管", started=True)
    members = {agent: "member", supervisor: "administrator"}
    return buyer, agent, supervisor, fake.add_group("客服中心", is_forum=True, members=members)


async def _unhappy_after_decision(
    fake: FakeTelegram, buyer: FakeUser, agent: FakeUser, group: FakeChat, database: str
) -> tuple[str, Msg]:
    """A ticket filed, resolved with an explanation and rated 2 stars: its number and the
    buyer's choices (review, escalate)."""
    number, card = await filed_with_card(fake, buyer, group)
    for label in ("✅ 受理", "🔍 开始调查"):
        await next_reply(fake, buyer, lambda lb=label: fake.press_button(
            agent, fake.message(group, card.id), lb, chat=group))  # fmt: skip
    mark = len(fake.sent_to(group))
    fake.press_button(agent, fake.message(group, card.id), "✔️ 处理完毕", chat=group)
    prompt = await fake.wait_for(
        lambda: next((m for m in fake.sent_to(group)[mark:] if "回复这条消息" in m.content), None),
        timeout=30, what="the prompt for the explanation",
    )  # fmt: skip
    fake.send_text(agent, EXPLANATION, chat=group, thread_id=card.thread_id, reply_to=prompt)
    rating = await fake.wait_for(
        lambda: next((m for m in fake.sent_to(buyer) if "⭐⭐" in str(m.buttons)), None),
        timeout=30, what="the decision with the rating buttons",
    )  # fmt: skip
    assert any(EXPLANATION in m.content for m in fake.sent_to(buyer))
    choices = await _press_for(fake, buyer, rating, "⭐⭐", "⬆️ 升级处理")
    await _sent_out(database)
    return number, choices


async def _sent_out(database: str) -> None:
    """Waits until the outbox has sent everything: the window that follows opens on an idle
    worker (one holding a ticket's row while it waits for the locked outbox would hold the
    handler too)."""
    async with asyncio.timeout(30):
        while await unsent(database):  # noqa: ASYNC110 - another process writes it
            await asyncio.sleep(0.1)


async def _press_for(fake: FakeTelegram, buyer: FakeUser, message: Msg, label: str, wanted: str):
    fake.press_button(buyer, message, label)
    return await fake.wait_for(
        lambda: next((m for m in fake.sent_to(buyer) if wanted in str(m.buttons)), None),
        timeout=30, what=f"a message with {wanted}",
    )  # fmt: skip


async def _status_changes(database: str, number: str) -> list[str]:
    """The statuses the ticket was moved to, in order."""
    engine = create_engine(database)
    try:
        async with engine.connect() as connection:
            ticket_id = (await connection.execute(
                select(Ticket.id).where(Ticket.number == number))).scalar_one()  # fmt: skip
            rows = await connection.execute(
                select(AuditEntry.after)
                .where(AuditEntry.ticket_id == ticket_id, AuditEntry.action == "status")
                .order_by(AuditEntry.id)
            )
            return [after["status"] for (after,) in rows.all()]
    finally:
        await engine.dispose()
