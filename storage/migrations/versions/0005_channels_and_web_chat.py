"""Channels: each person's channel and id there; the web chat's visitors, outbox and inbox.

Revision ID: 0005
Revises: 0007 (chained after main's 0009 and 0007; written against 0003)
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this revision; everybody known so far writes from Telegram."""
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=16), nullable=False, server_default="telegram")
        )
        batch_op.add_column(sa.Column("external_id", sa.String(length=64), nullable=True))
    op.execute("UPDATE people SET external_id = CAST(id AS VARCHAR(64))")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(
            "ix_people_channel_external_id", ["channel", "external_id"], unique=True
        )

    op.create_table(
        "web_visitors",
        sa.Column("person_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("renewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_web_visitors_person_id_people")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_web_visitors")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_web_visitors_secret_hash")),
    )
    op.create_table(
        "web_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_web_outbox_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_outbox")),
    )
    with op.batch_alter_table("web_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_web_outbox_person_id_seq", ["person_id", "seq"], unique=True)
    op.create_table(
        "web_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_web_inbox_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_inbox")),
    )
    with op.batch_alter_table("web_inbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_web_inbox_person_id_client_id", ["person_id", "client_id"], unique=True
        )


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("web_inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_web_inbox_person_id_client_id")
    op.drop_table("web_inbox")
    with op.batch_alter_table("web_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_web_outbox_person_id_seq")
    op.drop_table("web_outbox")
    op.drop_table("web_visitors")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index("ix_people_channel_external_id")
        batch_op.drop_column("external_id")
        batch_op.drop_column("channel")
