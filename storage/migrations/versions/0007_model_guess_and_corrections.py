"""The model's first guess on every ticket, and when an agent corrected the category.

Tickets filed before this revision whose category came with a confidence were filed on the
model's proposal, so their first guess is known: it is their category. The others were
chosen by the buyer, and the model's guess was not kept; it stays unknown (NULL).

Revision ID: 0007
Revises: 0009 (main had 0009 after 0003 when this was merged; the integrator may chain anew)
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this revision."""
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("model_category", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("model_confidence", sa.Double(), nullable=True))
        batch_op.add_column(
            sa.Column("category_corrected_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE tickets SET model_category = category, model_confidence = category_confidence "
        "WHERE category_confidence IS NOT NULL"
    )


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("category_corrected_at")
        batch_op.drop_column("model_confidence")
        batch_op.drop_column("model_category")
