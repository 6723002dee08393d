"""The outbox also carries messages to Telegram buyers: the id each message got when sent;
the messages sent per second by all processes together (Telegram's limit per bot).

Revision ID: 0010
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Adds the sent message's id (what the agents' side records of a message to a buyer)."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "send_budget",
        sa.Column("second", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("second", name=op.f("pk_send_budget")),
    )


def downgrade() -> None:
    op.drop_table("send_budget")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("message_id")
