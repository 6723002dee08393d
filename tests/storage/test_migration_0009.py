"""Migration 0009 (merged tickets, bans, agents away, assignment rotation) from 0003 with data
in place: nothing existing changes, and the new columns and tables work at once."""

from __future__ import annotations

from sqlalchemy import text

from storage.db import create_engine
from storage.migrate import upgrade_database

FILED = "2026-11-21 02:00:00"


async def _run(url: str, *statements: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            rows: list[tuple] = []
            for statement in statements:
                result = await connection.execute(text(statement))
                if result.returns_rows:
                    rows = [tuple(row) for row in result]
            return rows
    finally:
        await engine.dispose()


async def test_0009_keeps_tickets_and_people_and_adds_what_merge_bans_and_rules_need(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    await upgrade_database(url, "0003")
    await _run(
        url,
        "INSERT INTO people (id, display_name, language, is_blocked, created_at, updated_at) "
        f"VALUES (42, 'Li', 'zh', false, '{FILED}', '{FILED}')",
        *(
            "INSERT INTO tickets (number, owner_id, category, status, priority, filed_at, "
            "updated_at, accept_due_at, investigate_due_at, resolve_due_at) VALUES "
            f"('{number}', 42, 'delivery', 'new', 'normal', '{FILED}', '{FILED}', '{FILED}', "
            f"'{FILED}', '{FILED}')"
            for number in ("TS-20261121-0001", "TS-20261121-0002")
        ),
    )

    await upgrade_database(url, "0009")

    assert await _run(url, "SELECT number, merged_into FROM tickets ORDER BY number") == [
        ("TS-20261121-0001", None),
        ("TS-20261121-0002", None),
    ]
    rows = await _run(
        url,
        "UPDATE tickets SET merged_into = 'TS-20261121-0002' WHERE number = 'TS-20261121-0001'",
        "INSERT INTO bans (person_id, ticket_id, reason, banned_at) "
        f"VALUES (42, 1, 'spam', '{FILED}')",
        f"INSERT INTO agent_presence (agent_id, is_away, changed_at) VALUES (7, true, '{FILED}')",
        "INSERT INTO assignment_rotations (rule, last_agent_id, updated_at) "
        f"VALUES ('quality', 7, '{FILED}')",
        "SELECT b.reason, p.is_away, r.last_agent_id FROM bans b, agent_presence p, "
        "assignment_rotations r",
    )
    assert rows == [("spam", True, 7)]


async def test_a_merge_must_name_an_existing_ticket(empty_database_url: str) -> None:
    await upgrade_database(empty_database_url)
    engine = create_engine(empty_database_url)  # foreign keys enforced on SQLite too
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO people (id, is_blocked, created_at, updated_at) "
                    f"VALUES (42, false, '{FILED}', '{FILED}')"
                )
            )
        failed = False
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    text(
                        "INSERT INTO tickets (number, owner_id, category, status, priority, "
                        "filed_at, updated_at, accept_due_at, investigate_due_at, "
                        "resolve_due_at, merged_into) VALUES ('TS-20261121-0001', 42, "
                        f"'delivery', 'closed', 'normal', '{FILED}', '{FILED}', '{FILED}', "
                        f"'{FILED}', '{FILED}', 'TS-20261121-0404')"
                    )
                )
        except Exception as error:  # the database's own integrity error, whichever backend
            failed = "foreign key" in str(error).lower()
        assert failed
    finally:
        await engine.dispose()
