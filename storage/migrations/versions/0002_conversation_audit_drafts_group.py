"""Conversation, evidence, audit log, ratings, intake drafts and the agents' group.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=24)


def upgrade() -> None:
    """Applies this revision."""
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("group_chat_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("group_topic_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("group_card_message_id", sa.BigInteger(), nullable=True))
        batch.create_index(
            "ix_tickets_group_chat_id_group_topic_id", ["group_chat_id", "group_topic_id"]
        )
        batch.create_index(
            "ix_tickets_group_chat_id_group_card_message_id",
            ["group_chat_id", "group_card_message_id"],
        )

    op.create_table(
        "ticket_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column(
            "author_kind",
            _enum("authorkind", "buyer", "agent", "internal", "system"),
            nullable=False,
        ),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        _when("created_at"),
        sa.Column("buyer_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("buyer_message_id", sa.BigInteger(), nullable=True),
        sa.Column("group_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("group_message_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["people.id"], name=op.f("fk_ticket_messages_author_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_messages_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_messages")),
    )
    op.create_index(op.f("ix_ticket_messages_ticket_id"), "ticket_messages", ["ticket_id"])
    op.create_index(
        "ix_ticket_messages_buyer_chat_id_buyer_message_id",
        "ticket_messages",
        ["buyer_chat_id", "buyer_message_id"],
        unique=True,
    )
    op.create_index(
        "ix_ticket_messages_group_chat_id_group_message_id",
        "ticket_messages",
        ["group_chat_id", "group_message_id"],
        unique=True,
    )

    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("ticket_message_id", sa.Integer(), nullable=True),
        sa.Column("kind", _enum("attachmentkind", "photo", "document", "video"), nullable=False),
        sa.Column("file_id", sa.String(length=256), nullable=True),
        sa.Column("file_unique_id", sa.String(length=128), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("mime_type", sa.String(length=128), nullable=True),
        sa.Column("caption", sa.Text(), nullable=True),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["ticket_message_id"],
            ["ticket_messages.id"],
            name=op.f("fk_attachments_ticket_message_id_ticket_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_attachments_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index(op.f("ix_attachments_ticket_id"), "attachments", ["ticket_id"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_audit_log_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_person_id"), "audit_log", ["person_id"])
    op.create_index(op.f("ix_audit_log_ticket_id"), "audit_log", ["ticket_id"])

    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_ratings_score_range")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ratings_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_ratings_ticket_id")),
    )

    op.create_table(
        "intake_drafts",
        sa.Column("person_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_intake_drafts_person_id_people")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_intake_drafts")),
    )
    op.create_index(op.f("ix_intake_drafts_updated_at"), "intake_drafts", ["updated_at"])

    op.create_table(
        "agent_groups",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(length=256), nullable=True),
        sa.Column("is_forum", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("linked_by_id", sa.BigInteger(), nullable=True),
        _when("linked_at"),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_agent_groups")),
    )


def downgrade() -> None:
    """Reverts this revision."""
    op.drop_table("agent_groups")
    op.drop_index(op.f("ix_intake_drafts_updated_at"), table_name="intake_drafts")
    op.drop_table("intake_drafts")
    op.drop_table("ratings")
    op.drop_index(op.f("ix_audit_log_ticket_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_person_id"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_attachments_ticket_id"), table_name="attachments")
    op.drop_table("attachments")
    op.drop_index("ix_ticket_messages_group_chat_id_group_message_id", table_name="ticket_messages")
    op.drop_index("ix_ticket_messages_buyer_chat_id_buyer_message_id", table_name="ticket_messages")
    op.drop_index(op.f("ix_ticket_messages_ticket_id"), table_name="ticket_messages")
    op.drop_table("ticket_messages")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_group_chat_id_group_card_message_id")
        batch.drop_index("ix_tickets_group_chat_id_group_topic_id")
        batch.drop_column("group_card_message_id")
        batch.drop_column("group_topic_id")
        batch.drop_column("group_chat_id")
