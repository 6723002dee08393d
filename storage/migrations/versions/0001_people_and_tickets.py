"""People, tickets and the per-day ticket counter.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=24)


def upgrade() -> None:
    """Applies this revision."""
    op.create_table(
        "people",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("is_blocked", sa.Boolean(), nullable=False),
        sa.Column("blocked_reason", sa.Text(), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    op.create_table(
        "ticket_counters",
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_ticket_counters")),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("category_confidence", sa.Double(), nullable=True),
        sa.Column("platform", sa.String(length=32), nullable=True),
        sa.Column("order_number", sa.String(length=64), nullable=True),
        sa.Column("shop", sa.String(length=256), nullable=True),
        sa.Column(
            "desired_resolution",
            _enum("resolution", "refund", "return_or_exchange", "compensation", "apology", "other"),
            nullable=True,
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "status",
            _enum(
                "ticketstatus",
                "new",
                "accepted",
                "investigating",
                "waiting_for_buyer",
                "resolved",
                "rejected",
                "closed",
                "reopened",
                "escalated",
            ),
            nullable=False,
        ),
        sa.Column("priority", _enum("priority", "low", "normal", "high", "urgent"), nullable=False),
        sa.Column("assignee_id", sa.BigInteger(), nullable=True),
        sa.Column("intake_token", sa.String(length=64), nullable=True),
        _when("filed_at"),
        _when("accepted_at", nullable=True),
        _when("investigation_started_at", nullable=True),
        _when("info_requested_at", nullable=True),
        _when("resolved_at", nullable=True),
        _when("rejected_at", nullable=True),
        _when("closed_at", nullable=True),
        _when("reopened_at", nullable=True),
        _when("escalated_at", nullable=True),
        _when("updated_at"),
        _when("accept_due_at"),
        _when("investigate_due_at"),
        _when("resolve_due_at"),
        _when("anonymised_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["people.id"], name=op.f("fk_tickets_assignee_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["people.id"], name=op.f("fk_tickets_owner_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_number")),
    )
    op.create_index("ix_tickets_owner_id_filed_at", "tickets", ["owner_id", "filed_at"])
    op.create_index(
        "ix_tickets_owner_id_intake_token", "tickets", ["owner_id", "intake_token"], unique=True
    )
    op.create_index("ix_tickets_status_closed_at", "tickets", ["status", "closed_at"])


def downgrade() -> None:
    """Reverts this revision."""
    op.drop_index("ix_tickets_status_closed_at", table_name="tickets")
    op.drop_index("ix_tickets_owner_id_intake_token", table_name="tickets")
    op.drop_index("ix_tickets_owner_id_filed_at", table_name="tickets")
    op.drop_table("tickets")
    op.drop_table("ticket_counters")
    op.drop_table("people")
