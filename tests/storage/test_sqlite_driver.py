"""SQLite through storage/sqlite_driver.py: one trip to aiosqlite's thread per statement,
with the results, counts and errors SQLAlchemy's aiosqlite dialect gives."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, OperationalError

from storage.db import create_engine


@pytest.fixture
async def engine(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    async with engine.begin() as connection:
        await connection.exec_driver_sql(
            "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)"
        )
    yield engine
    await engine.dispose()


def count_trips(engine) -> list[str]:
    """Every call made on the connection's aiosqlite thread, by the function's name."""
    trips: list[str] = []

    @event.listens_for(engine.sync_engine, "connect")
    def _wrap(dbapi_connection, _record) -> None:
        driver = dbapi_connection.driver_connection
        real = driver._execute

        async def counted(fn, *args, **kwargs):
            trips.append(getattr(fn, "__name__", repr(fn)))
            return await real(fn, *args, **kwargs)

        driver._execute = counted

    return trips


async def test_a_transaction_of_two_statements_is_three_trips(tmp_path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'trips.sqlite3'}")
    trips = count_trips(engine)
    async with engine.connect() as connection:  # connecting: its own set-up trips
        await connection.rollback()
    trips.clear()
    async with engine.begin() as connection:
        await connection.execute(text("SELECT 1"))
        await connection.execute(text("SELECT 2"))
    made = list(trips)
    await engine.dispose()
    # BEGIN IMMEDIATE with the first statement, the second, COMMIT (aiosqlite's own cursor
    # and a BEGIN of its own made it twelve)
    assert made == ["_run", "_run", "commit"]


async def test_a_transaction_without_statements_makes_no_trip(tmp_path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'trips.sqlite3'}")
    trips = count_trips(engine)
    async with engine.connect() as connection:
        await connection.rollback()
    trips.clear()
    async with engine.begin():
        pass
    made = list(trips)
    await engine.dispose()
    assert made == []


async def test_the_begin_sent_with_the_first_statement_takes_the_write_lock(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'lock.sqlite3'}"
    first, second = create_engine(url), create_engine(url, busy_timeout_ms=100)
    try:
        async with first.begin() as holding:
            await holding.execute(text("SELECT 1"))  # a read, but the BEGIN was IMMEDIATE
            with pytest.raises(OperationalError, match="locked"):
                async with second.begin() as waiting:
                    await waiting.execute(text("SELECT 1"))
    finally:
        await first.dispose()
        await second.dispose()


async def test_rows_counts_and_ids_come_back_as_from_aiosqlite(engine) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(
            text("INSERT INTO item (name, n) VALUES (:name, :n)"), {"name": "甲", "n": 1}
        )
        assert inserted.lastrowid == 1
        await connection.execute(
            text("INSERT INTO item (name, n) VALUES (:name, :n)"),
            [{"name": "乙", "n": 2}, {"name": "丙", "n": 3}],
        )
        updated = await connection.execute(text("UPDATE item SET n = n + 10 WHERE n >= 2"))
        assert updated.rowcount == 2
        returned = await connection.execute(
            text("UPDATE item SET n = 0 WHERE name = '甲' RETURNING id, name")
        )
        assert returned.all() == [(1, "甲")]
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT name, n FROM item ORDER BY id"))).all()
        assert rows == [("甲", 0), ("乙", 12), ("丙", 13)]
        assert (await connection.execute(text("SELECT n FROM item WHERE id = 9"))).first() is None
        streamed = await connection.stream(text("SELECT id FROM item ORDER BY id"))
        assert [row.id async for row in streamed] == [1, 2, 3]


async def test_an_error_is_sqlalchemys_and_the_transaction_is_rolled_back(engine) -> None:
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO item (name) VALUES ('甲')"))
            await connection.execute(text("INSERT INTO item (name) VALUES ('甲')"))
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM item"))).scalar() == 0
