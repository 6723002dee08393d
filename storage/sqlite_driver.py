"""aiosqlite with one trip to its thread per statement, for SQLAlchemy's aiosqlite dialect.

aiosqlite runs each sqlite3 call on the connection's own thread, and SQLAlchemy's adapter
makes four such calls per statement (a cursor, the statement, its rows, closing the cursor):
four hand-offs between the threads, each a queue put, a wake-up of the event loop and a
future, which cost more of the bot's CPU than SQLite itself. Here the cursor is made, run,
read whole and closed in one call on that thread; what SQLAlchemy then asks of the cursor
(description, rows, rowcount, lastrowid) is answered from what that call brought back, and
a transaction's BEGIN (storage/db.py issues it by hand) rides in its first statement's trip.
SQLAlchemy reads every row of a result at once anyway; the thread, the connection and its
transactions are aiosqlite's, unchanged.

    engine = create_async_engine(url, async_creator=one_trip_creator(url))
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

import aiosqlite
from aiosqlite.context import contextmanager
from sqlalchemy import URL
from sqlalchemy.dialects.sqlite import aiosqlite as sqlalchemy_aiosqlite

_Outcome = tuple[Any, int, int | None, list]


def _run(
    connection: sqlite3.Connection, begin: str | None, sql: str, parameters: Any, many: bool
) -> _Outcome:
    cursor = connection.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripCursor:
    """The part of aiosqlite's Cursor that SQLAlchemy uses, one thread call per statement."""

    __slots__ = ("_connection", "_rows", "arraysize", "description", "lastrowid", "rowcount")

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self._rows: list = []
        self.description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def _call(self, sql: str, parameters: Any, many: bool) -> OneTripCursor:
        connection = self._connection
        begin, connection._begin = connection._begin, None
        outcome = await connection._execute(_run, connection._conn, begin, sql, parameters, many)
        self.description, self.rowcount, self.lastrowid, self._rows = outcome
        return self

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> OneTripCursor:
        return await self._call(sql, () if parameters is None else parameters, False)

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> OneTripCursor:
        return await self._call(sql, parameters, True)

    async def fetchall(self) -> list:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list:
        size = self.arraysize if size is None else size
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    async def nextset(self) -> None:
        return None

    async def close(self) -> None:
        self._rows = []

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()


class OneTripConnection(aiosqlite.Connection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._begin: str | None = None

    def begin_with_next_statement(self, begin: str) -> None:
        """`begin` (BEGIN, BEGIN IMMEDIATE) goes with the next statement, in its trip; a
        transaction that ends before any statement made no trip and has nothing to end."""
        self._begin = begin

    @contextmanager
    async def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)

    async def commit(self) -> None:
        if self._begin is not None:
            self._begin = None
            return
        await super().commit()

    async def rollback(self) -> None:
        if self._begin is not None:
            self._begin = None
            return
        await super().rollback()


def one_trip_creator(url: URL) -> Callable[[], OneTripConnection]:
    """`async_creator` for `create_async_engine`: the connection SQLAlchemy's aiosqlite
    dialect would open for `url` (the same sqlite3.connect arguments), with the cursor above."""
    args, kwargs = sqlalchemy_aiosqlite.dialect().create_connect_args(url)
    database = args[0] if args else ":memory:"

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(database, **kwargs)

    def create() -> OneTripConnection:
        connection = OneTripConnection(connector, 64)
        connection._thread.daemon = True  # as SQLAlchemy does for its own aiosqlite connections
        return connection

    return create
