"""Every version of an edited conversation message, for the audit.

Revision ID: 0011
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this revision (the new kinds of evidence need none: kinds are plain strings)."""
    op.create_table(
        "ticket_message_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_message_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_message_id"],
            ["ticket_messages.id"],
            name=op.f("fk_ticket_message_versions_ticket_message_id_ticket_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_message_versions")),
    )
    with op.batch_alter_table("ticket_message_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_message_versions_ticket_message_id"),
            ["ticket_message_id"],
            unique=False,
        )


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("ticket_message_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_message_versions_ticket_message_id"))
    op.drop_table("ticket_message_versions")
