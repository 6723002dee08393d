"""Applies the Alembic migrations in storage/migrations without an alembic.ini."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.db import READ_ONLY, create_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any fixed key: makes processes that start together migrate one after the other.
POSTGRES_LOCK_KEY = 74_131_001


def alembic_config(connection: Connection | None = None) -> Config:
    """A programmatic Alembic config; env.py uses `connection` when one is given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def upgrade_database(url: str, revision: str = "head") -> None:
    """Brings the database at `url` to `revision` (the latest by default), fresh or not."""
    # SQLite cannot turn foreign keys off inside a transaction, and batch migrations copy
    # tables, so this engine leaves them off and checks them once at the end.
    engine = create_engine(url, foreign_keys=False)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_LOCK_KEY}
                )
            await connection.run_sync(_upgrade, revision)
            if connection.dialect.name == "sqlite":
                violations = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if violations:
                    raise RuntimeError(f"migration broke foreign keys: {violations[:5]}")
    finally:
        await engine.dispose()


def upgrade_database_sync(url: str, revision: str = "head") -> None:
    """upgrade_database for callers without an event loop."""
    asyncio.run(upgrade_database(url, revision))


async def current_revision(url: str) -> str | None:
    """The revision the database at `url` is at, None when it has none."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(**{READ_ONLY: True})
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


def _make_revision(url: str, message: str) -> None:
    async def run() -> None:
        await upgrade_database(url)
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(
                    lambda sync: command.revision(
                        alembic_config(sync), message=message, autogenerate=True
                    )
                )
        finally:
            await engine.dispose()

    asyncio.run(run())


def main() -> None:
    """`upgrade URL`, or `revision URL -m MESSAGE` to autogenerate one against URL at head."""
    parser = argparse.ArgumentParser(prog="python -m storage.migrate", description=main.__doc__)
    parser.add_argument("action", choices=["upgrade", "revision"])
    parser.add_argument("url")
    parser.add_argument("-m", "--message", default="change")
    args = parser.parse_args()
    if args.action == "upgrade":
        upgrade_database_sync(args.url)
    else:
        _make_revision(args.url, args.message)


if __name__ == "__main__":
    main()
