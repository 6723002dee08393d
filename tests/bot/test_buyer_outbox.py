"""Messages to Telegram buyers (and supervisors) through the outbox: queued with the
update's done stamp, sent in order per chat by a worker, followed on delivery."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, StatementError

from bot.outbox import worker
from bot.outbox.budget import SendBudgetShared
from bot.outbox.store import OutboxStore, buyer_lane
from storage.db import create_engine, create_session_factory, transaction
from storage.effects import handling
from storage.lifecycle import TicketStatus
from storage.models import InboxUpdate, OutboxMessage
from tests.bot.desk import Desk
from tests.bot.world import World


async def _inbox_row(sessions, update_id: int) -> InboxUpdate:
    async with transaction(sessions, read_only=True) as session:
        return await session.get_one(InboxUpdate, update_id)


async def test_replies_are_queued_with_the_done_stamp_or_not_at_all(sessions) -> None:
    async with transaction(sessions) as session:
        for update_id in (901, 902):
            session.add(InboxUpdate(update_id=update_id, chat_key=77, payload={},
                                    received_at=datetime.now(UTC), attempts=1))  # fmt: skip
    store = OutboxStore(sessions)
    with handling(901):
        await store.enqueue_all(buyer_lane(77), [("text", {"text": "a"}), ("text", {"text": "b"})],
                                finishes_update=True)  # fmt: skip
    assert (await _inbox_row(sessions, 901)).done_at is not None
    assert (await _inbox_row(sessions, 901)).effects_at is not None
    with handling(902), pytest.raises(StatementError):  # a payload that cannot be stored
        await store.enqueue_all(buyer_lane(77), [("text", {"text": object()})],
                                finishes_update=True)  # fmt: skip
    assert (await _inbox_row(sessions, 902)).done_at is None  # neither the stamp nor the item
    async with transaction(sessions, read_only=True) as session:
        queued = (await session.scalars(
            select(OutboxMessage).where(OutboxMessage.lane == buyer_lane(77))
            .order_by(OutboxMessage.id)
        )).all()  # fmt: skip
    assert [item.payload["text"] for item in queued] == ["a", "b"]


async def test_the_send_budget_holds_for_all_processes_together(
    database_url: str, migrated_engine
) -> None:
    """Three processes (three engines) sending as fast as they can: together never more
    than the limit in one second, although each would allow it on its own."""
    engines = [create_engine(database_url) for _ in range(3)]
    try:
        budgets = [SendBudgetShared(create_session_factory(e), per_second=8) for e in engines]
        sent: list[int | None] = []

        async def send(budget: SendBudgetShared) -> None:
            for _ in range(8):
                sent.append(await budget.take())

        await asyncio.gather(*(send(b) for b in budgets))
    finally:
        for engine in engines:
            await engine.dispose()
    per_second = Counter(sent)
    assert len(sent) == 24
    assert max(per_second.values()) <= 8, per_second
    assert len(per_second) >= 3


async def test_the_buyer_is_answered_through_the_outbox_in_order(world: World) -> None:
    buyer = world.buyer()
    replies = await world.command(buyer, "help")
    async with transaction(world.services.sessions, read_only=True) as session:
        items = (await session.scalars(
            select(OutboxMessage).where(OutboxMessage.lane == buyer_lane(buyer.id))
        )).all()  # fmt: skip
    assert [item.message_id for item in items] == [m.id for m in replies]
    assert all(item.sent_at is not None for item in items)


async def test_the_explain_prompt_is_posted_by_the_outbox_and_its_answer_recognised(
    desk: Desk,
) -> None:
    await desk.press("✅ 受理")
    await desk.press("🔍 开始调查")
    release = desk.fake.hold_answers("sendMessage", chat_id=desk.group.id)
    started = time.perf_counter()
    desk.fake.press_button(desk.agent, await desk.card(), "✔️ 处理完毕", chat=desk.group)
    await desk.fake.wait_for(
        lambda: all(u["update_id"] in desk.world.processed for u in desk.fake.updates) or None,
        timeout=10, what="the press handled",
    )  # fmt: skip
    assert time.perf_counter() - started < 1.5  # the handler did not wait for the group
    release.set()
    await desk.world.settle(quiet=0.1)
    prompt = (await desk.thread())[-1]
    assert "回复这条消息" in prompt.content
    await desk.agent_says("商家同意全额退款。", reply_to=prompt.id)
    assert (await desk.ticket()).status is TicketStatus.RESOLVED


async def test_an_answer_the_instant_the_prompt_is_recorded_is_the_explanation(
    desk: Desk, monkeypatch
) -> None:
    """The agent answers the explain prompt the moment the bot has recorded it as sent: it
    must be known for what it is then (recorded in the same transaction), not a moment later
    (the answer would be relayed to the buyer as a plain reply)."""
    await desk.press("✅ 受理")
    await desk.press("🔍 开始调查")
    store = desk.world.services.agents.outbox
    recording = store.sent
    answered: list[int] = []

    async def sent_then_answer(*args, **kwargs):
        result = await recording(*args, **kwargs)
        message_id = kwargs.get("message_id")
        if message_id is not None and not answered:
            posted = desk.fake.message(desk.group, message_id)
            if "回复这条消息" in (posted.content or ""):
                answered.append(message_id)
                update = desk.fake.send_text(desk.agent, "商家同意全额退款。", chat=desk.group,
                                             reply_to=message_id)  # fmt: skip
                await desk.fake.wait_for(
                    lambda: update["update_id"] in desk.world.processed or None,
                    timeout=10, what="the answer handled",
                )  # fmt: skip
        return result

    monkeypatch.setattr(store, "sent", sent_then_answer)
    await desk.press("✔️ 处理完毕")
    assert answered, "no explain prompt was posted"
    assert (await desk.ticket()).status is TicketStatus.RESOLVED


async def test_supervisors_are_told_through_the_outbox(desk: Desk) -> None:
    ticket = await desk.ticket()
    await desk.world.services.agents.notify_supervisors(ticket, "升级处理")
    await desk.world.settle(quiet=0.1)
    told = desk.fake.sent_to(desk.supervisor)
    assert "升级处理" in told[-1].content and ticket.number in told[-1].content
    async with transaction(desk.world.services.sessions, read_only=True) as session:
        lane = await session.scalar(
            select(OutboxMessage.lane).where(OutboxMessage.message_id == told[-1].id)
        )
    assert lane == buyer_lane(desk.supervisor.id)


async def test_a_sent_message_is_recorded_once_the_busy_database_is_free(
    sessions, monkeypatch
) -> None:
    """Telegram has the message but the database is locked for a moment when the worker
    records it: the worker waits and records it, instead of leaving it to be sent again."""
    monkeypatch.setattr(worker, "RECORD_DELAYS", (0.01, 0.01))
    store = OutboxStore(sessions)
    lane = buyer_lane(78)
    await store.enqueue_all(lane, [("text", {"text": "a"})])
    recording = store.sent
    busy = [OperationalError("UPDATE outbox", {}, Exception("database is locked"))]

    async def sent_when_free(*args, **kwargs) -> None:
        if busy:
            raise busy.pop()
        await recording(*args, **kwargs)

    monkeypatch.setattr(store, "sent", sent_when_free)
    deliveries: list[str] = []

    async def deliver(kind: str, payload: dict) -> int:
        deliveries.append(payload["text"])
        return 4242

    await worker.ItemSender(store, deliver).send(await store.head(lane))
    assert deliveries == ["a"]
    assert await store.head(lane) is None
    async with transaction(sessions, read_only=True) as session:
        [item] = (await session.scalars(
            select(OutboxMessage).where(OutboxMessage.lane == lane)
        )).all()  # fmt: skip
    assert item.message_id == 4242 and item.last_error is None


async def test_one_process_follows_its_lanes_in_memory_and_the_table_still_wins(
    sessions,
) -> None:
    """With one process the worker is handed what was queued without reading it back; an item
    written to the table by anything else is found again by the sweep's look."""
    store = OutboxStore(sessions, exclusive=True)
    lane = buyer_lane(79)
    assert await store.head(lane) is None  # read once: empty, known from now on
    await store.enqueue_all(lane, [("text", {"text": "a"}), ("text", {"text": "b"})])
    first = await store.head(lane)
    assert first is not None and first.payload == {"text": "a"}
    second = await store.sent(first.id, message_id=1, lane=lane)
    assert second is not None and second.payload == {"text": "b"}
    assert await store.sent(second.id, message_id=2, lane=lane) is None
    async with transaction(sessions) as session:  # not through the store
        session.add(OutboxMessage(lane=lane, kind="text", payload={"text": "c"},
                                  created_at=datetime.now(UTC), attempts=0))  # fmt: skip
    assert await store.head(lane) is None  # memory does not know it yet
    assert lane in await store.pending_lanes("buyer:")
    third = await store.head(lane)
    assert third is not None and third.payload == {"text": "c"}


async def test_what_follows_a_sent_item_is_committed_with_its_record_or_left_out_alone(
    sessions,
) -> None:
    store = OutboxStore(sessions)
    lane = buyer_lane(80)
    await store.enqueue_all(lane, [("text", {"text": "a"}), ("text", {"text": "b"})])

    async def follow() -> None:  # its writes join the record's transaction
        await store.enqueue_all(lane, [("text", {"text": "after a"})])

    async def fail() -> None:
        await store.enqueue_all(lane, [("text", {"text": "never"})])
        raise RuntimeError("the follow-up broke")

    first = await store.head(lane)
    second = await store.sent(first.id, message_id=1, lane=lane, then=follow)
    third = await store.sent(second.id, message_id=2, lane=lane, then=fail)
    assert third is not None and third.payload == {"text": "after a"}
    assert await store.sent(third.id, message_id=3, lane=lane) is None
    async with transaction(sessions, read_only=True) as session:
        rows = (await session.scalars(
            select(OutboxMessage).where(OutboxMessage.lane == lane).order_by(OutboxMessage.id)
        )).all()  # fmt: skip
    assert [(r.payload["text"], r.message_id) for r in rows] == [
        ("a", 1), ("b", 2), ("after a", 3)
    ]  # fmt: skip
