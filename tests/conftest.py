"""Fixtures shared by the test suites; each section below stands on its own."""

from __future__ import annotations

# ──────────────────────────── Databases (storage and services) ────────────────────────────
# `database_url` runs a test on SQLite (a file in a temporary folder) and on PostgreSQL (a
# schema of its own, created with a random name for this pytest session and dropped at its
# end). PostgreSQL comes from TEST_POSTGRES_URL, by default the local server's `test`
# database; when it cannot be reached, the postgres tests fail and say so.
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import SessionFactory, create_engine, create_session_factory
from storage.migrate import upgrade_database
from storage.models import Base

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def sqlite_url(path: Path) -> str:
    """The aiosqlite URL of a database file."""
    return f"sqlite+aiosqlite:///{path}"


@asynccontextmanager
async def postgres_schema(prefix: str) -> AsyncIterator[str]:
    """A fresh PostgreSQL schema, yielded as a URL whose connections use it; dropped after."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_URL, connect_args={"timeout": 5})
    problem = None
    try:
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{name}"'))
    except Exception as error:  # any failure here means the server is unusable
        problem = f"{type(error).__name__}: {error}"
    if problem is not None:
        await admin.dispose()
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_URL} ({problem}). Start it, point "
            "TEST_POSTGRES_URL at one, or deselect these tests with -m 'not postgres'.",
            pytrace=False,
        )
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}search_path={name}"
    finally:
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        await admin.dispose()


async def wipe(engine: AsyncEngine) -> None:
    """Empties every table, so each test starts from a migrated, empty database."""
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(delete(table))


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Moves the clock forward by timedelta(**delta)."""
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(scope="session")
async def postgres_session_url() -> AsyncIterator[str]:
    """This pytest session's own PostgreSQL schema."""
    async with postgres_schema("test") as url:
        yield url


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of this session's database on each backend, not yet migrated."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path_factory.mktemp("sqlite") / "complaints.sqlite3")
    return request.getfixturevalue("postgres_session_url")


@pytest.fixture
async def empty_database_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database of the same backend with nothing in it, for migration tests."""
    if database_url.startswith("sqlite"):
        yield sqlite_url(tmp_path / "empty.sqlite3")
        return
    async with postgres_schema("test_empty") as url:
        yield url


@pytest.fixture(scope="session")
async def migrated_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the session's database, migrated to the latest revision."""
    await upgrade_database(database_url)
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def sessions(migrated_engine: AsyncEngine) -> SessionFactory:
    """A session factory on an empty, migrated database."""
    await wipe(migrated_engine)
    return create_session_factory(migrated_engine)


@pytest.fixture
def clock() -> FakeClock:
    """Saturday 21 November 2026, 10:00 in Shanghai."""
    return FakeClock(datetime(2026, 11, 21, 2, 0, tzinfo=UTC))


# ──────────────────────────── The real NLU server (Rasa) ────────────────────────────
# Trained once per run (or reused when its data did not change) and served once per
# session, for every suite that needs the real model.


@pytest.fixture(scope="session")
def nlu_server(tmp_path_factory: pytest.TempPathFactory):
    from bot.nlu_model import NluServer, NluSetupError, ensure_model, free_port

    log_file = tmp_path_factory.mktemp("nlu") / "rasa.log"
    server = NluServer(ensure_model(), free_port(), log_file=log_file)
    server.start()
    try:
        server.wait_ready()
    except NluSetupError:
        server.stop()
        tail = log_file.read_text(errors="replace")[-4000:]
        pytest.fail(f"the NLU server did not start; its log ends with:\n{tail}")
    yield server
    server.stop()
