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


async def test_0007_reaches_the_inbox_and_the_outbox(empty_database_url: str) -> None:
    await upgrade_database(empty_database_url, "0007")
    assert not {"inbox_updates", "outbox"} & await _tables(empty_database_url)

    await upgrade_database(empty_database_url, "0004")

    assert {"inbox_updates", "outbox"} <= await _tables(empty_database_url)


async def test_0007_keeps_the_first_guess_of_tickets_filed_on_the_models_proposal(
    empty_database_url: str,
) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import text

    await upgrade_database(empty_database_url, "0003")
    engine = create_engine(empty_database_url)
    now = datetime(2026, 11, 21, 10, tzinfo=UTC)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO people (id, is_blocked, created_at, updated_at) "
                    "VALUES (1, false, :now, :now)"
                ),
                {"now": now},
            )
            for number, category, confidence in (
                ("TS-20261121-0001", "delivery", 0.91),  # the buyer took the proposal
                ("TS-20261121-0002", "billing", None),  # the buyer chose from the list
            ):
                await connection.execute(
                    text(
                        "INSERT INTO tickets (number, owner_id, category, category_confidence,"
                        " status, priority, filed_at, updated_at, accept_due_at,"
                        " investigate_due_at, resolve_due_at) VALUES (:number, 1, :category,"
                        " :confidence, 'new', 'normal', :now, :now, :now, :now, :now)"
                    ),
                    {"number": number, "category": category, "confidence": confidence, "now": now},
                )
    finally:
        await engine.dispose()

    await upgrade_database(empty_database_url)

    engine = create_engine(empty_database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT number, model_category, model_confidence, category_corrected_at"
                    " FROM tickets ORDER BY number"
                )
            )
            assert [tuple(row) for row in rows] == [
                ("TS-20261121-0001", "delivery", 0.91, None),
                ("TS-20261121-0002", None, None, None),
            ]
    finally:
        await engine.dispose()
