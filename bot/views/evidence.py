"""How the evidence store's state of a ticket's files reads on the agents' card."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.evidence.service import StoreSize
from bot.services.records import AttachmentRecord
from bot.texts import t
from storage.models import EvidenceState


def evidence_note(evidence: Sequence[AttachmentRecord], language: str) -> str:
    """E.g. " (2 kept, 1 over 20 MB: not downloadable)"; empty without evidence."""
    if not evidence:
        return ""
    counts = Counter(item.evidence_state for item in evidence)
    parts = [
        t(language, f"store.state_{state.value}", count=counts[state])
        for state in EvidenceState
        if counts[state]
    ]
    return t(language, "store.card_note", states=t(language, "store.separator").join(parts))


def render_store_size(size: StoreSize, language: str) -> str:
    """One line for /stats: the store's distinct files, their size and what is still queued."""
    return t(
        language, "store.stats_line", files=size.files, size=_megabytes(size.bytes),
        pending=size.pending,
    )  # fmt: skip


def _megabytes(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB"
