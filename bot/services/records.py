"""Plain, frozen records the services return and take, so no ORM object leaves a transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Protocol, Self

from storage.lifecycle import TicketStatus
from storage.models import AttachmentKind, AuthorKind, EvidenceState, Priority, Resolution


class _FromRow:
    __slots__ = ()

    @classmethod
    def of(cls, row: Any) -> Self:
        """Copies the same-named attributes of an ORM object or a result row."""
        return cls(**{field.name: getattr(row, field.name) for field in fields(cls)})


@dataclass(frozen=True, slots=True)
class PersonRecord(_FromRow):
    """A person as the bot knows them."""

    id: int
    display_name: str | None
    language: str | None
    is_blocked: bool
    blocked_reason: str | None
    channel: str = "telegram"


@dataclass(frozen=True, slots=True)
class TicketRecord(_FromRow):
    """A ticket with its details, status, step times and SLA due times."""

    id: int
    number: str
    owner_id: int
    category: str
    category_confidence: float | None
    model_category: str | None
    model_confidence: float | None
    category_corrected_at: datetime | None
    platform: str | None
    order_number: str | None
    shop: str | None
    desired_resolution: Resolution | None
    description: str | None
    status: TicketStatus
    priority: Priority
    assignee_id: int | None
    filed_at: datetime
    accepted_at: datetime | None
    investigation_started_at: datetime | None
    info_requested_at: datetime | None
    resolved_at: datetime | None
    rejected_at: datetime | None
    closed_at: datetime | None
    reopened_at: datetime | None
    escalated_at: datetime | None
    updated_at: datetime
    accept_due_at: datetime
    investigate_due_at: datetime
    resolve_due_at: datetime
    group_chat_id: int | None
    group_topic_id: int | None
    group_card_message_id: int | None
    merged_into: str | None = None
    buyer_topic_id: int | None = None


@dataclass(frozen=True, slots=True)
class MessageRecord(_FromRow):
    """One message of a ticket's conversation and where it lives in Telegram."""

    id: int
    ticket_id: int
    author_kind: AuthorKind
    author_id: int | None
    text: str | None
    created_at: datetime
    buyer_chat_id: int | None
    buyer_message_id: int | None
    group_chat_id: int | None
    group_message_id: int | None


class EvidenceLike(Protocol):
    """What storing a piece of evidence needs to know; NewAttachment is one."""

    @property
    def kind(self) -> AttachmentKind: ...
    @property
    def file_id(self) -> str: ...
    @property
    def file_unique_id(self) -> str: ...
    @property
    def file_size(self) -> int | None: ...
    @property
    def mime_type(self) -> str | None: ...
    @property
    def caption(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class NewAttachment:
    """Evidence to store: what Telegram says about the file."""

    kind: AttachmentKind
    file_id: str
    file_unique_id: str
    file_size: int | None = None
    mime_type: str | None = None
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class NewTicket:
    """What filing a ticket needs; `intake_token` makes a repeated submission recognisable."""

    owner_id: int
    category: str
    description: str | None
    confidence: float | None = None
    platform: str | None = None
    order_number: str | None = None
    shop: str | None = None
    desired_resolution: Resolution | str | None = None
    priority: Priority = Priority.NORMAL
    evidence: Sequence[EvidenceLike] = ()
    intake_token: str | None = None
    model_category: str | None = None  # the model's first guess, whatever was chosen
    model_confidence: float | None = None


@dataclass(frozen=True, slots=True)
class AttachmentRecord(_FromRow):
    """A stored piece of evidence."""

    id: int
    ticket_id: int
    ticket_message_id: int | None
    kind: AttachmentKind
    file_id: str | None
    file_unique_id: str | None
    file_size: int | None
    mime_type: str | None
    caption: str | None
    created_at: datetime
    sender_id: int | None = None
    sha256: str | None = None
    evidence_state: EvidenceState = EvidenceState.PENDING


@dataclass(frozen=True, slots=True)
class RatingRecord(_FromRow):
    """The buyer's score of a ticket's outcome."""

    ticket_id: int
    score: int
    comment: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DraftRecord(_FromRow):
    """An intake in progress."""

    person_id: int
    step: str
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class GroupRecord(_FromRow):
    """The agents' group and its settings."""

    chat_id: int
    title: str | None
    is_forum: bool
    is_active: bool
    linked_by_id: int | None
    linked_at: datetime
