"""What the buyer is told when a cancel dropped their question, in their language."""

from __future__ import annotations

from bot.services.intake import Cancelled
from bot.services.intake_draft import Step
from bot.texts import t


def cancelled_text(cancelled: Cancelled, language: str) -> str:
    """Says what was dropped; with nothing to drop, that nothing is in progress."""
    if cancelled.step is None:
        return t(language, "common.nothing_in_progress")
    if cancelled.step is Step.ROUTE:
        return t(language, "followup.cancelled_held", count=cancelled.held)
    if cancelled.step is Step.COMMENT:
        return t(language, "rating.comment_cancelled")
    if cancelled.step is Step.REVIEW:
        return t(language, "rating.review_cancelled", number=cancelled.ticket_number or "")
    return t(language, "intake.cancelled")
