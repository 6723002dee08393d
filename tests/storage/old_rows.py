"""Rows written straight into a database at an older revision, for migration tests (the
models describe the head's schema, so they cannot write an older one)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def buyer_with_a_ticket(connection: AsyncConnection, now: datetime) -> None:
    """Buyer 7 (李雷) on Telegram with ticket 1, TS-20261121-0001, new."""
    await connection.execute(
        text("INSERT INTO people (id, display_name, is_blocked, created_at, updated_at,"
             " channel, external_id)"
             " VALUES (7, '李雷', false, :now, :now, 'telegram', '7')"),
        {"now": now},
    )  # fmt: skip
    await connection.execute(
        text("INSERT INTO tickets (id, number, owner_id, category, description, status,"
             " priority, filed_at, updated_at, accept_due_at, investigate_due_at,"
             " resolve_due_at) VALUES (1, 'TS-20261121-0001', 7, 'delivery', 'x', 'new',"
             " 'normal', :now, :now, :now, :now, :now)"),
        {"now": now},
    )  # fmt: skip
