"""Migration 0011 from 0005's schema: a conversation message edited after the upgrade keeps
every version, and the new kinds of evidence fit the existing column."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bot.services.message_versions import MessageVersions
from storage.db import create_engine, create_session_factory
from storage.migrate import current_revision, upgrade_database
from tests.storage.old_rows import buyer_with_a_ticket
from tests.storage.test_migrations import HEAD

NOW = datetime(2026, 11, 21, 2, tzinfo=UTC)


async def test_a_message_of_0005_is_edited_with_its_versions_kept(empty_database_url) -> None:
    await upgrade_database(empty_database_url, "0005")
    engine = create_engine(empty_database_url)
    try:
        async with engine.begin() as connection:
            await buyer_with_a_ticket(connection, NOW)
            await connection.execute(
                text("INSERT INTO ticket_messages (id, ticket_id, author_kind, author_id, text,"
                     " created_at, buyer_chat_id, buyer_message_id) VALUES (1, 1, 'buyer', 7,"
                     " '单号 123', :now, 7, 42)"),
                {"now": NOW},
            )  # fmt: skip
        await upgrade_database(empty_database_url)
        assert await current_revision(empty_database_url) == HEAD  # 0011 and what follows it
        versions = MessageVersions(create_session_factory(engine), lambda: NOW)
        edited = await versions.edit(7, 42, "单号 456")
        assert (edited.number, edited.previous, edited.message.text) == (
            "TS-20261121-0001",
            "单号 123",
            "单号 456",
        )
        await versions.edit(7, 42, "单号 789")
        assert [v.text for v in await versions.versions(1)] == ["单号 123", "单号 456", "单号 789"]
        assert await versions.edit(7, 43, "不是投诉里的消息") is None
    finally:
        await engine.dispose()
