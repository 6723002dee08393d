"""SQLite connections: WAL, foreign keys, busy timeout, and writers that wait for each other."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.db import create_engine, create_session_factory, transaction
from storage.migrate import upgrade_database
from storage.models import TicketCounter
from tests.conftest import sqlite_url


async def test_pragmas_are_set_on_every_connection(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "db.sqlite3"))
    async with engine.connect() as connection:
        pragmas = {
            name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    await engine.dispose()

    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30_000}


async def test_synchronous_is_full_unless_normal_is_asked_for(tmp_path: Path) -> None:
    values = []
    for asked in ({}, {"sqlite_synchronous": "NORMAL"}):
        engine = create_engine(sqlite_url(tmp_path / "db.sqlite3"), **asked)
        async with engine.connect() as connection:
            values.append((await connection.exec_driver_sql("PRAGMA synchronous")).scalar())
        await engine.dispose()
    assert values == [2, 1]  # FULL, NORMAL


async def test_missing_folder_is_created(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "data" / "nested" / "db.sqlite3"))
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    await engine.dispose()

    assert (tmp_path / "data" / "nested" / "db.sqlite3").exists()


async def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "db.sqlite3")
    await upgrade_database(url)
    engine = create_engine(url)

    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO intake_drafts VALUES (42, 'x', '{}', '2026-01-01', '2026-01-01')")
            )
    await engine.dispose()


async def test_concurrent_read_modify_write_transactions_wait_instead_of_failing(
    tmp_path: Path,
) -> None:
    # Deferred transactions that both read and then write fail with "database is locked";
    # BEGIN IMMEDIATE makes the second wait for the first.
    url = sqlite_url(tmp_path / "db.sqlite3")
    await upgrade_database(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    async with transaction(sessions) as session:
        session.add(TicketCounter(day="20261121", last_value=0))

    async def increment() -> None:
        async with transaction(sessions) as session:
            counter = await session.get_one(TicketCounter, "20261121")
            await asyncio.sleep(0.01)
            counter.last_value += 1

    await asyncio.gather(*(increment() for _ in range(30)))
    async with transaction(sessions, read_only=True) as session:
        counter = await session.get_one(TicketCounter, "20261121")
    await engine.dispose()

    assert counter.last_value == 30
