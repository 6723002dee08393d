"""The last messages that were sent straight to Telegram go through the outbox: a failed try
(a 502 from the Bot API) or a restart between queueing and sending still delivers them,
once, in order with the chat's other messages."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import update
from telegram.ext import CallbackContext

from bot.conversation import core
from bot.handlers.jobs import QUEUED_FILE_AGE
from bot.handlers.report_jobs import alert_busy_shops
from storage.db import create_engine, create_session_factory, transaction
from storage.models import Ticket
from tests.bot.checks import shown
from tests.bot.desk import Desk, file_complaint, open_desk
from tests.bot.test_merge_flow import _second_ticket, _thread, _where
from tests.bot.test_outbox import up_to_summary
from tests.bot.world import World, texts
from tests.fakes import FakeChat, FakeUser


async def refused_once(world: World, method: str, chat: FakeChat | FakeUser) -> None:
    """Waits until the fake has answered one call of `method` to `chat` with a 502."""
    chat_id = str(chat.id)

    def refused():
        calls = world.fake.calls_of(method)
        return [c for c in calls if c.status == 502 and str(c.params["chat_id"]) == chat_id] or None

    await world.fake.wait_for(refused, timeout=10, what=f"a refused {method}")


def queued_files(world: World) -> list[Path]:
    folder = world.settings.data_dir / "outbox-files"
    return sorted(folder.iterdir()) if folder.exists() else []


async def test_the_buyers_dossier_comes_once_after_a_refusal_and_a_restart(world: World) -> None:
    desk = await open_desk(world, forum=False)
    await world.services.downloads.run_once()  # the photo stored: the dossier has a ZIP
    ticket = await desk.ticket()
    before = len(world.fake.sent_to(desk.buyer))
    world.fake.fail_next("sendDocument", status=502)

    world.fake.send_command(desk.buyer, "dossier", ticket.number)
    await refused_once(world, "sendDocument", desk.buyer)
    await world.stop()  # the process is gone before the files were sent
    assert len(queued_files(world)) == 2  # the PDF and the ZIP wait on disk
    world.clock.advance(seconds=5)
    await world.start()
    await world.settle()

    sent = world.fake.sent_to(desk.buyer)[before:]
    names = [m["document"]["file_name"] for m in sent if m.kind == "document"]
    assert names == [f"{ticket.number}-dossier.pdf", f"{ticket.number}-evidence.zip"]
    assert shown("common.generic_error") not in texts(sent)
    assert queued_files(world) == []  # deleted once sent


async def test_the_error_message_reaches_the_buyer_after_a_failed_try(
    world: World, monkeypatch
) -> None:
    async def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(core, "handle", broken)
    buyer = world.buyer()
    world.fake.fail_next("sendMessage", status=502)

    world.fake.send_text(buyer, "杯子碎了")
    await refused_once(world, "sendMessage", buyer)
    world.clock.advance(seconds=5)  # the outbox tries again
    await world.settle()

    assert [m.content for m in world.fake.sent_to(buyer)] == [shown("common.generic_error")]


async def test_the_slow_down_notice_comes_after_the_replies_before_it(world: World) -> None:
    world.settings_overrides.update(flood_burst=2, flood_period_seconds=30)
    await world.restart()
    buyer = world.buyer()
    release = world.fake.hold_answers("sendMessage", chat_id=buyer.id)  # Telegram is slow
    for n in range(4):
        world.fake.send_text(buyer, f"第{n}条")
    try:  # the updates are handled while Telegram holds the first reply
        await world.fake.wait_for(
            lambda: all(u["update_id"] in world.processed for u in world.fake.updates) or None,
            timeout=10, what="every update handled",
        )  # fmt: skip
    finally:
        release.set()
    await world.settle()

    sent = [m.content for m in world.fake.sent_to(buyer)]
    assert len(sent) == 1 + 2 + 1  # two handled (1 + 2 replies), then the notice, once
    assert "发送得太快了" in sent[-1]


async def test_the_topic_in_the_buyers_chat_is_opened_after_a_failed_try(world: World) -> None:
    world.fake.enable_private_topics()
    await open_desk(world, forum=False)  # a plain group: no topics of its own
    buyer = world.buyer("韩梅梅")
    world.fake.fail_next("createForumTopic", status=502)

    summary = await up_to_summary(world, buyer, "杯子也碎了")
    world.fake.press_button(buyer, summary, "✅ 提交")
    await refused_once(world, "createForumTopic", buyer)
    world.clock.advance(seconds=5)
    await world.settle()

    [ticket] = await world.services.tickets.list_for_owner(buyer.id)
    assert ticket.buyer_topic_id is not None
    [intro] = world.fake.sent_to(buyer, ticket.buyer_topic_id)
    assert intro.content == shown("topics.buyer_topic_intro", number=ticket.number,
                                  category=shown("category.product_quality"))  # fmt: skip
    assert len(world.fake.chat(buyer).topics) == 1
    assert ticket.number in world.fake.sent_to(buyer)[-1].content  # then the filing's answer


async def test_a_moved_file_is_shown_once_after_the_merge_note(desk: Desk) -> None:
    source = await desk.ticket()  # filed with a photo
    target = await _second_ticket(desk)
    desk.fake.fail_next("sendPhoto", status=502)

    await desk.agent_command("merge", target.number, **_where(source))
    await desk.world.settle()

    there = _thread(desk, await desk.world.services.tickets.get(target.number))
    kinds = [m.kind for m in there]
    assert kinds.count("photo") == 1
    note = next(i for i, m in enumerate(there) if source.number in (m.content or ""))
    assert note < kinds.index("photo")  # the files follow the note that announces them


async def _name_shop(world: World, shop: str) -> None:
    engine = create_engine(world.database_url)
    try:
        async with transaction(create_session_factory(engine)) as session:
            await session.execute(update(Ticket).values(shop=shop))
    finally:
        await engine.dispose()


async def _busy_shop(world: World) -> Desk:
    world.settings_overrides["shop_alert_threshold"] = 1
    desk = await open_desk(world, forum=False)
    await file_complaint(world, world.buyer("韩梅梅"), "杯子也碎了")
    await _name_shop(world, "好物 旗舰店")
    return desk


def _alerts_in(desk: Desk) -> list:
    return [m for m in desk.fake.sent_to(desk.group) if "好物 旗舰店" in (m.content or "")]


async def test_the_shop_alert_is_posted_after_a_failed_try(world: World) -> None:
    desk = await _busy_shop(world)
    world.fake.fail_next("sendMessage", status=502)

    await alert_busy_shops(CallbackContext(world.app))  # one run: tried again by the outbox
    await world.settle()

    assert len(_alerts_in(desk)) == 1


async def test_the_shop_alert_queued_before_a_crash_is_posted_once(
    world: World, monkeypatch
) -> None:
    desk = await _busy_shop(world)
    alerts = world.services.shop_alerts
    claim = alerts.claim

    async def killed(_due):  # the process dies after queueing the alert, before claiming it
        raise SystemExit

    monkeypatch.setattr(alerts, "claim", killed)
    try:
        await alert_busy_shops(CallbackContext(world.app))
    except SystemExit:
        pass
    monkeypatch.setattr(alerts, "claim", claim)
    await alert_busy_shops(CallbackContext(world.app))  # the next run finds it still due
    await alert_busy_shops(CallbackContext(world.app))
    await world.settle()

    assert len(_alerts_in(desk)) == 1
    assert await alerts.due() == []


async def test_the_sweep_deletes_only_files_no_unsent_message_names(world: World) -> None:
    desk = await open_desk(world, forum=False)
    await world.services.downloads.run_once()
    ticket = await desk.ticket()
    world.fake.fail_next("sendDocument", status=502)
    world.fake.send_command(desk.buyer, "dossier", ticket.number)
    await refused_once(world, "sendDocument", desk.buyer)
    waiting = queued_files(world)
    folder = waiting[0].parent
    left, young = folder / ("a" * 32), folder / ("b" * 32)  # a crash's leftover, one being queued
    left.write_bytes(b"%PDF- a dossier nobody will send")
    young.write_bytes(b"%PDF- being queued")
    hour_ago = time.time() - 2 * QUEUED_FILE_AGE
    for path in (*waiting, left):
        os.utime(path, (hour_ago, hour_ago))

    deleted = await world.services.telegram_outbox.sweep_files(QUEUED_FILE_AGE)

    assert deleted == 1
    assert queued_files(world) == sorted([*waiting, young])
    world.clock.advance(seconds=5)
    await world.settle()  # the waiting ones are still sent
    names = [
        m["document"]["file_name"] for m in world.fake.sent_to(desk.buyer) if m.kind == "document"
    ]
    assert names == [f"{ticket.number}-dossier.pdf", f"{ticket.number}-evidence.zip"]
