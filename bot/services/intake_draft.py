"""What an intake in progress has collected, and the rules for each answer."""

from __future__ import annotations

import copy
import re
import secrets
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any

from storage.models import AttachmentKind, Resolution

COMPLAINT_CATEGORIES = (
    "product_quality", "not_as_described", "counterfeit", "delivery", "refund_return",
    "customer_service", "message_blocked", "billing", "account", "privacy",
    "content_violation", "platform_bug",
)  # fmt: skip
PLATFORMS = (
    "taobao", "tmall", "tmall_global", "xiaohongshu", "jd", "pinduoduo", "douyin", "weibo",
    "wechat", "other",
)  # fmt: skip
OUTCOMES = tuple(r.value for r in Resolution)

MAX_EVIDENCE = 10
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
# Kept whole up to four full Telegram messages (a long text arrives split in several);
# beyond that the buyer is told what was kept (common.too_long).
MAX_DESCRIPTION = 4 * 4096
MAX_SHOP = 100
ORDER_NUMBER = re.compile(r"^\d[\d-]{4,28}\d$")
ACCEPTED_MIME_PREFIXES = ("image/", "video/")
ACCEPTED_MIME_TYPES = frozenset({
    "application/pdf", "text/plain", "application/msword", "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
})  # fmt: skip
REFUSED_SUFFIXES = frozenset({
    ".exe", ".bat", ".cmd", ".com", ".scr", ".msi", ".js", ".vbs", ".ps1", ".sh", ".jar", ".apk",
    ".dll",
})  # fmt: skip


class Step(StrEnum):
    """The question the buyer is answering."""

    DESCRIBE = "describe"
    CATEGORY = "category"
    PLATFORM = "platform"
    ORDER = "order"
    SHOP = "shop"
    OUTCOME = "outcome"
    EVIDENCE = "evidence"
    SUMMARY = "summary"
    ROUTE = "route"  # not an intake: messages waiting for the buyer to name their ticket
    COMMENT = "comment"  # not an intake: an optional comment on a rating
    REVIEW = "review"  # not an intake: the reason for a review request


DETAIL_STEPS = (Step.PLATFORM, Step.ORDER, Step.SHOP, Step.OUTCOME, Step.EVIDENCE, Step.SUMMARY)


class EvidenceRefused(StrEnum):
    """Why a file was not kept."""

    TOO_MANY = "too_many"
    TOO_BIG = "too_big"
    UNSUPPORTED = "unsupported"


@dataclass(slots=True)
class Evidence:
    """One file a buyer sent as evidence."""

    kind: AttachmentKind
    file_id: str
    file_unique_id: str
    file_size: int | None = None
    mime_type: str | None = None
    file_name: str | None = None
    caption: str | None = None
    media_group_id: str | None = None


@dataclass(slots=True)
class Draft:
    """The collected answers, stored as JSON in the intake_drafts row."""

    token: str = field(default_factory=lambda: secrets.token_hex(4))
    description: str = ""
    category: str | None = None
    confidence: float | None = None
    suggested: str | None = None
    category_reason: str = "choose"
    shortlist: list[str] = field(default_factory=list)  # the model's best three, when unsure
    model_guess: str | None = None  # the model's first guess, whatever the buyer chooses
    model_confidence: float | None = None
    platform: str | None = None
    detected_platform: str | None = None
    order_number: str | None = None
    detected_order: str | None = None
    shop: str | None = None
    outcome: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    editing: bool = False
    prefilled: list[str] = field(default_factory=list)  # steps the description answered
    pending: list[dict[str, Any]] = field(default_factory=list)
    ticket_number: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        # A deep copy: sharing lists with the row's JSON would hide changes from SQLAlchemy.
        known = {k: copy.deepcopy(v) for k, v in data.items() if k in cls.__slots__}
        known["evidence"] = [
            Evidence(**{**e, "kind": AttachmentKind(e["kind"])}) for e in data.get("evidence", [])
        ]
        return cls(**known)


def clean_order_number(text: str) -> str | None:
    """The order number written by the buyer, or None when it cannot be one."""
    candidate = re.sub(r"[\s\u200b-\u200d\ufeff]", "", text).replace("—", "-").replace("－", "-")
    return candidate if ORDER_NUMBER.match(candidate) else None


def refuse_evidence(draft: Draft, item: Evidence) -> EvidenceRefused | None:
    """Why this file cannot be added, or None when it can."""
    if len(draft.evidence) >= MAX_EVIDENCE:
        return EvidenceRefused.TOO_MANY
    if item.file_size is not None and item.file_size > MAX_EVIDENCE_BYTES:
        return EvidenceRefused.TOO_BIG
    if item.kind is AttachmentKind.DOCUMENT and not _acceptable_document(item):
        return EvidenceRefused.UNSUPPORTED
    return None


def _acceptable_document(item: Evidence) -> bool:
    if item.file_name and PurePosixPath(item.file_name.lower()).suffix in REFUSED_SUFFIXES:
        return False
    mime = (item.mime_type or "").lower()
    return mime.startswith(ACCEPTED_MIME_PREFIXES) or mime in ACCEPTED_MIME_TYPES


def next_step(draft: Draft, answered: Step) -> Step:
    """The question after `answered`; while editing from the summary, back to the summary."""
    if draft.editing or answered is Step.SUMMARY:
        return Step.SUMMARY
    if answered is Step.DESCRIBE:
        return Step.CATEGORY
    later = (
        DETAIL_STEPS
        if answered is Step.CATEGORY
        else DETAIL_STEPS[DETAIL_STEPS.index(answered) + 1 :]
    )
    return next(step for step in later if step.value not in draft.prefilled)
