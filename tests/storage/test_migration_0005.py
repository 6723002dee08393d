"""Migration 0005 from 0003's schema: everybody known so far writes from Telegram, and the
web chat's tables take visitors, their outbox and inbox."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.db import create_engine
from storage.migrate import current_revision, upgrade_database

NOW = datetime(2026, 11, 21, 2, tzinfo=UTC)


async def test_people_of_0003_become_telegram_people_with_their_id(empty_database_url) -> None:
    await upgrade_database(empty_database_url, "0003")
    engine = create_engine(empty_database_url)
    try:
        async with engine.begin() as connection:
            for person_id, name in ((111, "李雷"), (222, "韩梅梅")):
                await connection.execute(
                    text("INSERT INTO people (id, display_name, is_blocked, created_at, updated_at)"
                         " VALUES (:id, :name, false, :now, :now)"),
                    {"id": person_id, "name": name, "now": NOW},
                )  # fmt: skip
        await upgrade_database(empty_database_url, "0005")
        assert await current_revision(empty_database_url) == "0005"
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    text("SELECT id, channel, external_id FROM people ORDER BY id")
                )
            ).all()
        assert [tuple(r) for r in rows] == [(111, "telegram", "111"), (222, "telegram", "222")]

        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO people (id, display_name, is_blocked, created_at, updated_at,"
                     " channel, external_id) VALUES (-5, 'web-1', false, :now, :now, 'web', 'ab')"),
                {"now": NOW},
            )  # fmt: skip
            await connection.execute(
                text("INSERT INTO web_visitors (person_id, secret_hash, created_at, renewed_at)"
                     " VALUES (-5, :hash, :now, :now)"),
                {"hash": "0" * 64, "now": NOW},
            )  # fmt: skip
            await connection.execute(
                text("INSERT INTO web_outbox (person_id, seq, payload, created_at)"
                     " VALUES (-5, 1, '{}', :now)"),
                {"now": NOW},
            )  # fmt: skip
        with pytest.raises(IntegrityError):  # one number per message of a visitor
            async with engine.begin() as connection:
                await connection.execute(
                    text("INSERT INTO web_outbox (person_id, seq, payload, created_at)"
                         " VALUES (-5, 1, '{}', :now)"),
                    {"now": NOW},
                )  # fmt: skip
        with pytest.raises(IntegrityError):  # one person per id on a channel
            async with engine.begin() as connection:
                await connection.execute(
                    text("INSERT INTO people (id, is_blocked, created_at, updated_at, channel,"
                         " external_id) VALUES (-6, false, :now, :now, 'web', 'ab')"),
                    {"now": NOW},
                )  # fmt: skip
    finally:
        await engine.dispose()
