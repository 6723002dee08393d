"""Migrations reach the models' schema from nothing and from an earlier revision."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.db import create_engine
from storage.migrate import alembic_config, current_revision, upgrade_database
from storage.models import Base

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def _schema_differences(url: str) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_differences)
    finally:
        await engine.dispose()


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def test_fresh_database_reaches_head_matching_the_models(empty_database_url: str) -> None:
    assert await current_revision(empty_database_url) is None

    await upgrade_database(empty_database_url)

    assert await current_revision(empty_database_url) == HEAD
    assert await _schema_differences(empty_database_url) == []
    assert await _tables(empty_database_url) == set(Base.metadata.tables) | {"alembic_version"}


async def test_earlier_revision_reaches_head_in_one_call(empty_database_url: str) -> None:
    await upgrade_database(empty_database_url, "0001")
    assert await current_revision(empty_database_url) == "0001"
    assert await _schema_differences(empty_database_url) != []

    await upgrade_database(empty_database_url)

    assert await current_revision(empty_database_url) == HEAD
    assert await _schema_differences(empty_database_url) == []


async def test_upgrading_an_up_to_date_database_changes_nothing(empty_database_url: str) -> None:
    await upgrade_database(empty_database_url)
    await upgrade_database(empty_database_url)

    assert await current_revision(empty_database_url) == HEAD
    assert await _schema_differences(empty_database_url) == []


async def test_0003_reaches_the_inbox_and_the_outbox(empty_database_url: str) -> None:
    await upgrade_database(empty_database_url, "0003")
    assert not {"inbox_updates", "outbox"} & await _tables(empty_database_url)

    await upgrade_database(empty_database_url, "0004")

    assert {"inbox_updates", "outbox"} <= await _tables(empty_database_url)
