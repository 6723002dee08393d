"""The buyer's own topic for each ticket, in their private chat with the bot.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this revision."""
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("buyer_topic_id", sa.BigInteger(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_tickets_owner_id_buyer_topic_id"), ["owner_id", "buyer_topic_id"]
        )


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_owner_id_buyer_topic_id"))
        batch_op.drop_column("buyer_topic_id")
