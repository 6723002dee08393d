"""Migration 0006 (evidence store): evidence filed before it is queued, cleared evidence is not."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from storage.db import create_engine
from storage.migrate import current_revision, upgrade_database

NOW = datetime(2026, 11, 20, 2, tzinfo=UTC)


async def test_evidence_from_before_the_store_is_queued_for_download(
    empty_database_url: str,
) -> None:
    await upgrade_database(empty_database_url, "0003")
    engine = create_engine(empty_database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO people (id, is_blocked, created_at, updated_at) "
                    "VALUES (1, false, :now, :now)"
                ),
                {"now": NOW},
            )
            await connection.execute(
                text(
                    "INSERT INTO tickets (id, number, owner_id, category, status, priority, "
                    "filed_at, updated_at, accept_due_at, investigate_due_at, resolve_due_at) "
                    "VALUES (1, 'TS-20261120-0001', 1, 'delivery', 'new', 'normal', "
                    ":now, :now, :now, :now, :now)"
                ),
                {"now": NOW},
            )
            for row_id, file_id in ((1, "kept-file"), (2, None)):
                await connection.execute(
                    text(
                        "INSERT INTO attachments (id, ticket_id, kind, file_id, created_at) "
                        "VALUES (:id, 1, 'photo', :file_id, :now)"
                    ),
                    {"id": row_id, "file_id": file_id, "now": NOW},
                )

        await upgrade_database(empty_database_url, "0006")
        assert await current_revision(empty_database_url) == "0006"

        async with engine.connect() as connection:
            states = (
                await connection.execute(
                    text("SELECT id, evidence_state FROM attachments ORDER BY id")
                )
            ).all()
            queued = (
                await connection.execute(text("SELECT attachment_id FROM evidence_downloads"))
            ).all()
    finally:
        await engine.dispose()
    assert [tuple(row) for row in states] == [(1, "pending"), (2, "deleted")]
    assert [tuple(row) for row in queued] == [(1,)]
