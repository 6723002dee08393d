"""Engine and session factory for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import URL, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql.dml import Insert

from storage.effects import mark_effects_with
from storage.sqlite_driver import OneTripConnection, one_trip_creator

log = logging.getLogger(__name__)

SessionFactory = async_sessionmaker[AsyncSession]
AfterCommit = Callable[[], Awaitable[None] | None]
# The transaction the code running now is part of (`part_of`), and what waits for its commit.
_joined: ContextVar[AsyncSession | None] = ContextVar("complaint_desk_joined", default=None)
AFTER_COMMIT = "complaint_desk_after_commit"

# Execution option that lets a read-only transaction start DEFERRED on SQLite.
READ_ONLY = "complaint_desk_read_only"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def create_engine(
    url: str | URL,
    *,
    foreign_keys: bool = True,
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    sqlite_synchronous: str = "FULL",
    **kwargs: Any,
) -> AsyncEngine:
    """Builds an async engine; on PostgreSQL a `search_path` URL parameter picks the schema."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _ensure_sqlite_folder(parsed)
        # Every transaction ends with its own COMMIT or ROLLBACK (BEGIN is issued by hand,
        # _on_begin): the pool's rollback on return would be one more trip to the driver's
        # thread per transaction, for nothing.
        kwargs.setdefault("pool_reset_on_return", None)
        # One trip to aiosqlite's thread per statement instead of four (storage/sqlite_driver.py).
        if "connect_args" not in kwargs:
            kwargs.setdefault("async_creator", one_trip_creator(parsed))
        engine = create_async_engine(parsed, **kwargs)
        _configure_sqlite(engine.sync_engine, foreign_keys=foreign_keys, busy_ms=busy_timeout_ms,
                          synchronous=sqlite_synchronous)  # fmt: skip
        return engine
    search_path = parsed.query.get("search_path")
    if isinstance(search_path, str):
        parsed = parsed.difference_update_query(["search_path"])
        connect_args = kwargs.setdefault("connect_args", {})
        connect_args.setdefault("server_settings", {})["search_path"] = search_path
    return create_async_engine(parsed, **kwargs)


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    """Sessions whose objects stay readable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    sessions: SessionFactory, *, read_only: bool = False, effect: bool = True
) -> AsyncIterator[AsyncSession]:
    """One use case's transaction: commits on success, rolls back on any error.

    While an update is handled, the first transaction that changes anything also stamps the
    update's effects in the inbox (storage/effects.py); `effect=False` for bookkeeping.
    Inside `part_of(session)` it is that session's transaction instead (no commit of its own).
    """
    outer = _joined.get()
    if outer is not None and outer.in_transaction():
        yield outer
        return
    marked = None
    async with sessions() as session, session.begin():
        if read_only:
            await session.connection(execution_options={READ_ONLY: True})
        yield session
        if not read_only and effect:
            marked = await mark_effects_with(session)
    if marked is not None:
        marked.effects = True
    await _committed(session.info.pop(AFTER_COMMIT, ()))


async def run_as_part_of(session: AsyncSession, action: Callable[[], Awaitable[None]]) -> bool:
    """Runs `action` inside `session`'s transaction (every `transaction()` in it joins that
    one) and in a SAVEPOINT: when it fails, its part alone is undone (what it left for after
    the commit too) and logged, and the caller's transaction goes on. Returns whether it
    succeeded."""
    waiting: list[AfterCommit] = session.info.setdefault(AFTER_COMMIT, [])
    kept = len(waiting)
    token = _joined.set(session)
    try:
        async with session.begin_nested():
            await action()
        return True
    except Exception:
        del waiting[kept:]
        log.exception("%s failed; the rest of its transaction is kept", _name(action))
        return False
    finally:
        _joined.reset(token)


def when_committed(action: AfterCommit) -> bool:
    """Inside `run_as_part_of`: `action` runs once the transaction it joined has committed
    (never, when it is rolled back); True. Outside: False, the caller's own transaction has
    committed already and it acts at once."""
    outer = _joined.get()
    if outer is None or not outer.in_transaction():
        return False
    outer.info.setdefault(AFTER_COMMIT, []).append(action)
    return True


async def after_commit(action: AfterCommit) -> None:
    """`action` once what the caller wrote is committed: now, or after the joined one."""
    if not when_committed(action):
        await _committed([action])


async def _committed(actions) -> None:
    for action in actions:
        try:
            result = action()
            if inspect.isawaitable(result):
                await result
        except Exception:  # committed already: a failure here must not undo or repeat it
            log.exception("%s after a commit failed", _name(action))


def _name(action) -> str:
    return getattr(action, "__qualname__", None) or repr(action)


def dialect_insert(session: AsyncSession) -> Callable[..., Insert]:
    """The dialect's INSERT construct, which offers ON CONFLICT on both databases."""
    return dialect_insert_for(session.get_bind().dialect.name)


def dialect_insert_for(dialect: str) -> Callable[..., Insert]:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _ensure_sqlite_folder(url: URL) -> None:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(
    engine: Engine, *, foreign_keys: bool, busy_ms: int, synchronous: str = "FULL"
) -> None:
    """WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE for writing transactions."""
    if synchronous not in ("FULL", "NORMAL"):
        raise ValueError(f"synchronous must be FULL or NORMAL, not {synchronous!r}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver must not issue its own BEGIN; _on_begin does it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A deferred transaction that later writes fails with "database is locked" instead of
        # waiting; IMMEDIATE takes the write lock up front, where busy_timeout applies.
        begin = "BEGIN" if connection.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE"
        driver = connection.connection.driver_connection
        if isinstance(driver, OneTripConnection):
            driver.begin_with_next_statement(begin)  # sent with the first statement
        else:
            connection.exec_driver_sql(begin)
