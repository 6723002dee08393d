"""Typed SQLAlchemy models of everything the service knows."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.lifecycle import TicketStatus

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Priority(StrEnum):
    """How urgently agents should handle a ticket."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Resolution(StrEnum):
    """What the buyer wants as the outcome."""

    REFUND = "refund"
    RETURN_OR_EXCHANGE = "return_or_exchange"
    COMPENSATION = "compensation"
    APOLOGY = "apology"
    OTHER = "other"


class AttachmentKind(StrEnum):
    """The Telegram media type of a piece of evidence."""

    PHOTO = "photo"
    DOCUMENT = "document"
    VIDEO = "video"
    VOICE = "voice"
    AUDIO = "audio"
    VIDEO_NOTE = "video_note"
    ANIMATION = "animation"


class EvidenceState(StrEnum):
    """Whether a piece of evidence is in the evidence store, on its way, or could not be had."""

    PENDING = "pending"
    STORED = "stored"
    TOO_BIG = "too_big"  # over the Bot API's 20 MB download limit
    UNAVAILABLE = "unavailable"  # Telegram no longer gives the file (expired, removed)
    DELETED = "deleted"  # removed with the ticket's personal data


class AuthorKind(StrEnum):
    """Who wrote a message in a ticket's conversation."""

    BUYER = "buyer"
    AGENT = "agent"
    INTERNAL = "internal"
    SYSTEM = "system"


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC and read back aware on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware one")
        value = value.astimezone(UTC)
        # SQLite keeps text: one fixed offset keeps ordering and comparisons right.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum(values: type[StrEnum]) -> Enum:
    return Enum(
        values,
        native_enum=False,
        length=24,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    """Declarative base with stable constraint names for migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
        TicketStatus: _enum(TicketStatus),
        Priority: _enum(Priority),
        Resolution: _enum(Resolution),
        AttachmentKind: _enum(AttachmentKind),
        AuthorKind: _enum(AuthorKind),
        EvidenceState: _enum(EvidenceState),
    }


class Person(Base):
    """Someone the bot knows: a buyer, an agent or an admin."""

    __tablename__ = "people"
    __table_args__ = (
        Index("ix_people_channel_external_id", "channel", "external_id", unique=True),
    )

    # A Telegram user id for Telegram's people; a negative number for web visitors.
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    display_name: Mapped[str | None] = mapped_column(String(256))
    language: Mapped[str | None] = mapped_column(String(16))
    is_blocked: Mapped[bool] = mapped_column(default=False)
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The channel the person writes from, and their id there ("telegram", "web").
    channel: Mapped[str] = mapped_column(String(16), default="telegram", server_default="telegram")
    external_id: Mapped[str | None] = mapped_column(String(64))


class Ticket(Base):
    """One complaint, its details, status, SLA due times and group thread."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_owner_id_filed_at", "owner_id", "filed_at"),
        Index("ix_tickets_owner_id_intake_token", "owner_id", "intake_token", unique=True),
        Index("ix_tickets_status_closed_at", "status", "closed_at"),
        Index("ix_tickets_group_chat_id_group_topic_id", "group_chat_id", "group_topic_id"),
        Index(
            "ix_tickets_group_chat_id_group_card_message_id",
            "group_chat_id",
            "group_card_message_id",
        ),
        Index("ix_tickets_owner_id_buyer_topic_id", "owner_id", "buyer_topic_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    owner_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("people.id"))
    category: Mapped[str] = mapped_column(String(32))
    category_confidence: Mapped[float | None]
    # The model's first guess when the buyer described the problem (None without the NLU),
    # kept whatever the buyer chose; and when an agent last changed the category.
    model_category: Mapped[str | None] = mapped_column(String(32))
    model_confidence: Mapped[float | None]
    category_corrected_at: Mapped[datetime | None]
    platform: Mapped[str | None] = mapped_column(String(32))
    order_number: Mapped[str | None] = mapped_column(String(64))
    shop: Mapped[str | None] = mapped_column(String(256))
    desired_resolution: Mapped[Resolution | None]
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[TicketStatus] = mapped_column(default=TicketStatus.NEW)
    priority: Mapped[Priority] = mapped_column(default=Priority.NORMAL)
    assignee_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("people.id"))
    # Set by the intake that filed the ticket, so a repeated submission finds it again.
    intake_token: Mapped[str | None] = mapped_column(String(64))

    filed_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    investigation_started_at: Mapped[datetime | None]
    info_requested_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reopened_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    accept_due_at: Mapped[datetime]
    investigate_due_at: Mapped[datetime]
    resolve_due_at: Mapped[datetime]

    group_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    group_topic_id: Mapped[int | None] = mapped_column(BigInteger)
    group_card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # The ticket's topic in the buyer's private chat (bots with topics in private chats).
    buyer_topic_id: Mapped[int | None] = mapped_column(BigInteger)

    anonymised_at: Mapped[datetime | None]
    # Set when the ticket was folded into another of the same buyer (it is closed then).
    merged_into: Mapped[str | None] = mapped_column(String(32), ForeignKey("tickets.number"))


class TicketMessage(Base):
    """One message of a ticket's conversation, with its Telegram ids on both sides."""

    __tablename__ = "ticket_messages"
    __table_args__ = (
        Index(
            "ix_ticket_messages_group_chat_id_group_message_id",
            "group_chat_id",
            "group_message_id",
            unique=True,
        ),
        Index(
            "ix_ticket_messages_buyer_chat_id_buyer_message_id",
            "buyer_chat_id",
            "buyer_message_id",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    author_kind: Mapped[AuthorKind]
    author_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("people.id"))
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    buyer_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    buyer_message_id: Mapped[int | None] = mapped_column(BigInteger)
    group_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    group_message_id: Mapped[int | None] = mapped_column(BigInteger)


class TicketMessageVersion(Base):
    """One text a conversation message had: the first as sent, then each edit, for the audit."""

    __tablename__ = "ticket_message_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_message_id: Mapped[int] = mapped_column(ForeignKey("ticket_messages.id"), index=True)
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class Attachment(Base):
    """A piece of evidence: the Telegram file a buyer sent for a ticket."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    ticket_message_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_messages.id"))
    kind: Mapped[AttachmentKind]
    file_id: Mapped[str | None] = mapped_column(String(256))
    file_unique_id: Mapped[str | None] = mapped_column(String(128))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    mime_type: Mapped[str | None] = mapped_column(String(128))
    caption: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    # The evidence store (migration 0006): who sent it, and the stored file's SHA-256.
    sender_id: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("evidence_files.sha256"), index=True
    )
    evidence_state: Mapped[EvidenceState] = mapped_column(
        default=EvidenceState.PENDING, server_default=EvidenceState.PENDING.value
    )
    download: Mapped[EvidenceDownload | None] = relationship(
        back_populates="attachment", cascade="all, delete-orphan"
    )


class AuditEntry(Base):
    """One change: who made it, to what, the values before and after, and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    # No foreign keys below: the log must never refuse an entry, and outlives what it names.
    person_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class Rating(Base):
    """The buyer's score (1 to 5) of a ticket's outcome."""

    __tablename__ = "ratings"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class IntakeDraft(Base):
    """The intake a person has in progress: its step and what it has collected."""

    __tablename__ = "intake_drafts"

    person_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("people.id"), primary_key=True, autoincrement=False
    )
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)


class AgentGroup(Base):
    """A Telegram group linked as the agents' workplace; one of them is active."""

    __tablename__ = "agent_groups"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title: Mapped[str | None] = mapped_column(String(256))
    is_forum: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    linked_by_id: Mapped[int | None] = mapped_column(BigInteger)
    linked_at: Mapped[datetime]


class TicketCounter(Base):
    """The last sequence number handed out on one filing day."""

    __tablename__ = "ticket_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_value: Mapped[int]


class AgentPrompt(Base):
    """A question the bot asked an agent in the group, answered by replying to it."""

    __tablename__ = "agent_prompts"
    __table_args__ = (
        Index(
            "ix_agent_prompts_group_chat_id_prompt_message_id",
            "group_chat_id",
            "prompt_message_id",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[int] = mapped_column(BigInteger)
    group_chat_id: Mapped[int] = mapped_column(BigInteger)
    prompt_message_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]


class SlaNotice(Base):
    """A deadline reminder or overdue alert already sent, so each is sent once."""

    __tablename__ = "sla_notices"
    __table_args__ = (
        Index(
            "ix_sla_notices_ticket_id_kind_stage_due_at",
            "ticket_id",
            "kind",
            "stage",
            "due_at",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    sent_at: Mapped[datetime]


class InboxUpdate(Base):
    """A Telegram update as it arrived, stored before Telegram is told it was received."""

    __tablename__ = "inbox_updates"
    __table_args__ = (Index("ix_inbox_updates_done_at_update_id", "done_at", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_key: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    effects_at: Mapped[datetime | None]  # its first change or first answer (storage/effects.py)
    done_at: Mapped[datetime | None]  # handled to the end


class OutboxMessage(Base):
    """Something to post to the agents' group or to send a Telegram buyer, sent in order per
    lane (`group`, `buyer:<chat id>`) by an outbox worker."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_lane_sent_at_id", "lane", "sent_at", "id"),
        Index("ix_outbox_dedupe_key", "dedupe_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lane: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]]
    dedupe_key: Mapped[str | None] = mapped_column(String(96))
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    not_before: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # what Telegram gave it, if kept


class SendBudget(Base):
    """Messages sent to Telegram in one second by all bot processes together (PostgreSQL)."""

    __tablename__ = "send_budget"

    second: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    sent: Mapped[int]


class Ban(Base):
    """A buyer stopped from filing (people.is_blocked is the flag), with their one appeal."""

    __tablename__ = "bans"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("people.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    reason: Mapped[str] = mapped_column(Text)
    banned_by_id: Mapped[int | None] = mapped_column(BigInteger)
    banned_at: Mapped[datetime]
    notice_sent_at: Mapped[datetime | None]
    appeal_text: Mapped[str | None] = mapped_column(Text)
    appealed_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(BigInteger)
    lifted_at: Mapped[datetime | None]


class AgentPresence(Base):
    """Whether an agent is away (skipped by the assignment rules) and since when."""

    __tablename__ = "agent_presence"

    agent_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    is_away: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime]


class AssignmentRotation(Base):
    """The agent a rule of the assignment file gave its last ticket to (round-robin)."""

    __tablename__ = "assignment_rotations"

    rule: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_agent_id: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]


class EvidenceFile(Base):
    """A file in the evidence store, once per content: its SHA-256, size and detected type."""

    __tablename__ = "evidence_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str | None] = mapped_column(String(128))  # from the content, not the name
    extension: Mapped[str | None] = mapped_column(String(16))
    stored_at: Mapped[datetime]


class EvidenceDownload(Base):
    """A piece of evidence still to be fetched from Telegram; gone once it is settled."""

    __tablename__ = "evidence_downloads"

    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachments.id"), primary_key=True, autoincrement=False
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    attachment: Mapped[Attachment] = relationship(back_populates="download")


class ShopAlert(Base):
    """An alert already posted about one shop's many complaints, so each is sent once a week."""

    __tablename__ = "shop_alerts"
    __table_args__ = (Index("ix_shop_alerts_shop_key_week", "shop_key", "week", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_key: Mapped[str] = mapped_column(String(256))
    week: Mapped[str] = mapped_column(String(8))  # ISO week in the service's timezone: 2026-W48
    complaints: Mapped[int]
    sent_at: Mapped[datetime]


class WebVisitor(Base):
    """A web chat visitor: their secret (as a SHA-256 hash only) opens their conversation."""

    __tablename__ = "web_visitors"

    person_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("people.id"), primary_key=True, autoincrement=False
    )
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    renewed_at: Mapped[datetime]  # when the resume link was last revoked and replaced


class WebOutboxMessage(Base):
    """A message for a web visitor, kept so a reconnecting page gets everything it missed."""

    __tablename__ = "web_outbox"
    __table_args__ = (
        Index("ix_web_outbox_person_id_seq", "person_id", "seq", unique=True),
        Index("ix_web_outbox_dedupe_key", "dedupe_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("people.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]]
    dedupe_key: Mapped[str | None] = mapped_column(String(96))  # stored once per key
    created_at: Mapped[datetime]
    acked_at: Mapped[datetime | None]  # the page confirmed it has shown it


class WebInboxMessage(Base):
    """A message a web visitor sent, by the page's own id: sent twice, handled once."""

    __tablename__ = "web_inbox"
    __table_args__ = (
        Index("ix_web_inbox_person_id_client_id", "person_id", "client_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("people.id"))
    client_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]  # None: received, its answer not yet given
