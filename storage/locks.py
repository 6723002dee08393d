"""Locks that hold across bot processes on PostgreSQL, and within the one process on SQLite.

PostgreSQL: session advisory locks, each on a connection of a small engine of its own, so a
lock held while a chat's updates are handled never takes a connection the handlers need, and
a process that dies releases its locks with its connections. Advisory locks belong to the
whole database, so each key is a hash of the schema and the name: two deployments (or two
test runs) in one database never hold each other's locks. SQLite is one process: a lock is
a name in a set.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


class Locks:
    """`try_hold(name)`: held by this process or not at all; never waits for another."""

    def __init__(self, engine: AsyncEngine, *, scope: str = "", pool_size: int = 5) -> None:
        self._local: set[str] = set()
        self._scope = scope
        self._engine: AsyncEngine | None = None
        if engine.dialect.name == "postgresql":
            self._engine = create_async_engine(
                engine.url, pool_size=pool_size, max_overflow=60,
                connect_args={"server_settings": {"application_name": "complaint-desk-locks"}},
            )  # fmt: skip

    @property
    def shared(self) -> bool:
        """True when other processes can hold these locks too (PostgreSQL)."""
        return self._engine is not None

    @asynccontextmanager
    async def try_hold(self, name: str) -> AsyncIterator[bool]:
        """Yields True while this process holds `name`; False when someone else does."""
        if name in self._local:
            yield False
            return
        self._local.add(name)
        try:
            if self._engine is None:
                yield True
                return
            key = {"key": self._key(name)}
            async with self._engine.connect() as connection:
                lock = text("SELECT pg_try_advisory_lock(:key)")
                held = bool((await connection.execute(lock, key)).scalar())
                await connection.commit()
                try:
                    yield held
                finally:
                    if held:
                        await connection.execute(text("SELECT pg_advisory_unlock(:key)"), key)
                        await connection.commit()
        finally:
            self._local.discard(name)

    def _key(self, name: str) -> int:
        digest = hashlib.blake2b(f"{self._scope}\0{name}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)

    async def aclose(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()


def chat_lock(chat_key: int) -> str:
    return f"chat:{chat_key}"


def job_lock(job: str) -> str:
    return f"job:{job}"
