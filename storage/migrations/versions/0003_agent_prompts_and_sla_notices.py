"""Agent prompts (questions answered by reply) and SLA notices (each sent once).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this revision."""
    op.create_table(
        "agent_prompts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.BigInteger(), nullable=False),
        sa.Column("group_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("prompt_message_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_agent_prompts_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_prompts")),
    )
    with op.batch_alter_table("agent_prompts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agent_prompts_group_chat_id_prompt_message_id",
            ["group_chat_id", "prompt_message_id"],
            unique=True,
        )
        batch_op.create_index(batch_op.f("ix_agent_prompts_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "sla_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_sla_notices_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_notices")),
    )
    with op.batch_alter_table("sla_notices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sla_notices_ticket_id_kind_stage_due_at",
            ["ticket_id", "kind", "stage", "due_at"],
            unique=True,
        )


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("sla_notices", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_notices_ticket_id_kind_stage_due_at")

    op.drop_table("sla_notices")
    with op.batch_alter_table("agent_prompts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_prompts_ticket_id"))
        batch_op.drop_index("ix_agent_prompts_group_chat_id_prompt_message_id")

    op.drop_table("agent_prompts")
