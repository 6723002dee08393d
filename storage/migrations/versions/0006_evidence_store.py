"""Evidence store (stored files, pending downloads, who sent each file) and shop alerts.

Revision ID: 0006
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this revision; evidence filed before it is queued for download."""
    op.create_table(
        "evidence_files",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=128), nullable=True),
        sa.Column("extension", sa.String(length=16), nullable=True),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_evidence_files")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sender_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "evidence_state",
                sa.Enum(
                    "pending", "stored", "too_big", "unavailable", "deleted",
                    name="evidencestate", native_enum=False, length=24,
                ),
                server_default="pending",
                nullable=False,
            )
        )  # fmt: skip
        batch_op.create_index(batch_op.f("ix_attachments_sha256"), ["sha256"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_attachments_sha256_evidence_files"),
            "evidence_files",
            ["sha256"],
            ["sha256"],
        )
    op.create_table(
        "evidence_downloads",
        sa.Column("attachment_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_evidence_downloads_attachment_id_attachments"),
        ),
        sa.PrimaryKeyConstraint("attachment_id", name=op.f("pk_evidence_downloads")),
    )
    with op.batch_alter_table("evidence_downloads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_downloads_next_attempt_at"), ["next_attempt_at"], unique=False
        )
    op.create_table(
        "shop_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_key", sa.String(length=256), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_alerts")),
    )
    with op.batch_alter_table("shop_alerts", schema=None) as batch_op:
        batch_op.create_index("ix_shop_alerts_shop_key_week", ["shop_key", "week"], unique=True)
    # Evidence that came before the store: fetched now, or marked gone when anonymised.
    op.execute("UPDATE attachments SET evidence_state = 'deleted' WHERE file_id IS NULL")
    op.execute(
        "INSERT INTO evidence_downloads (attachment_id, attempts, next_attempt_at, created_at) "
        "SELECT id, 0, created_at, created_at FROM attachments WHERE file_id IS NOT NULL"
    )


def downgrade() -> None:
    """Reverts this revision (the stored files stay in the folder)."""
    with op.batch_alter_table("shop_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_shop_alerts_shop_key_week")
    op.drop_table("shop_alerts")
    with op.batch_alter_table("evidence_downloads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_downloads_next_attempt_at"))
    op.drop_table("evidence_downloads")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_attachments_sha256_evidence_files"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_attachments_sha256"))
        batch_op.drop_column("evidence_state")
        batch_op.drop_column("sha256")
        batch_op.drop_column("sender_id")
    op.drop_table("evidence_files")
