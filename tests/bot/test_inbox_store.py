"""The inbox table with one process (SQLite): a chat read to its end is followed in memory."""

from __future__ import annotations

from sqlalchemy import select

from bot.inbox.store import InboxStore
from storage.models import InboxUpdate
from tests.conftest import wipe


def _update(update_id: int, chat: int = 5) -> dict:
    return {"update_id": update_id, "message": {"message_id": update_id, "date": 0,
            "chat": {"id": chat, "type": "private"}, "text": str(update_id)}}  # fmt: skip


async def _attempts(engine) -> dict[int, tuple[int, bool]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(InboxUpdate.update_id, InboxUpdate.attempts, InboxUpdate.done_at)
        )
        return {update_id: (attempts, done is not None) for update_id, attempts, done in rows}


async def test_updates_of_a_known_chat_are_handed_over_once_and_counted(migrated_engine) -> None:
    await wipe(migrated_engine)
    store = InboxStore(migrated_engine, exclusive=True)
    assert await store.accept([_update(1)]) == [5]  # the chat is not known yet: claimed
    first = await store.take(5)
    assert first is not None and first.update_id == 1 and not first.more
    assert await store.accept([_update(2), _update(3), _update(2)]) == [5]
    second = await store.finish(1, then_take=5)  # from memory
    assert second is not None and second.update_id == 2 and second.more
    third = await store.finish(2, then_take=5, stamp=False)  # stamped by its replies
    assert third is not None and third.update_id == 3 and not third.more
    assert await store.finish(3, then_take=5) is None
    assert await _attempts(migrated_engine) == {1: (1, True), 2: (1, False), 3: (1, True)}
    assert await store.accept([_update(3)]) == [5]  # seen before: not handed again
    assert await store.take(5) is None


async def test_a_restart_claims_what_memory_had_been_handed(migrated_engine) -> None:
    """Memory is gone with the process: the table hands the update out again, counted."""
    await wipe(migrated_engine)
    store = InboxStore(migrated_engine, exclusive=True)
    await store.accept([_update(1)])
    await store.finish((await store.take(5)).update_id)
    await store.accept([_update(2)])
    assert (await store.take(5)).update_id == 2  # from memory; then the process dies
    again = InboxStore(migrated_engine, exclusive=True)
    assert await again.pending_chats() == [5]
    taken = await again.take(5)
    assert taken is not None and taken.update_id == 2
    assert (await _attempts(migrated_engine))[2] == (2, False)
