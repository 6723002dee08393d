"""Alembic environment: migrates the connection that storage.migrate hands over."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy.engine import Connection

from storage.models import Base, UtcDateTime


def render_item(kind: str, item: Any, _context: Any) -> str | Literal[False]:
    """Writes UtcDateTime as the plain type it stores, so revisions need no model import."""
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_on(connection: Connection) -> None:
    """Runs the pending migrations on a synchronous connection, in its transaction."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is None:
    raise RuntimeError("run migrations through storage.migrate: python -m storage.migrate --help")
run_on(given)
