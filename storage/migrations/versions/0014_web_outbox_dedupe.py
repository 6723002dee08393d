"""A key on the web chat's outbox, so that a message queued again after a crash (a status
notice, an agent's answer) is stored once, as the Telegram outbox's `dedupe_key` does.

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this revision."""
    with op.batch_alter_table("web_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=96), nullable=True))
        batch_op.create_index(batch_op.f("ix_web_outbox_dedupe_key"), ["dedupe_key"], unique=True)


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("web_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_outbox_dedupe_key"))
        batch_op.drop_column("dedupe_key")
