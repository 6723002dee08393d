"""The ticket card agents see in their group: every detail, escaped, with action buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callback_data import ButtonData
from bot.services.records import TicketRecord
from bot.texts import t
from bot.views.status import local_time
from storage.lifecycle import TicketStatus

AGENT_ACTION = "agent"
CATEGORY_ACTION = "agcat"  # the category list (bot/agents/recategorise.py)
CARD_DESCRIPTION_CHARS = 2500
TOPIC_NAME_CHARS = 128
ACTIONS = ("claim", "accept", "investigate", "ask", "resolve", "reject", "dossier")
_DUE = {
    TicketStatus.NEW: "accept_due_at",
    TicketStatus.REOPENED: "accept_due_at",
    TicketStatus.ACCEPTED: "investigate_due_at",
    TicketStatus.INVESTIGATING: "resolve_due_at",
    TicketStatus.WAITING_FOR_BUYER: "resolve_due_at",
    TicketStatus.ESCALATED: "resolve_due_at",
}


@dataclass(frozen=True, slots=True)
class CardFacts:
    """What the card shows besides the ticket itself."""

    evidence_count: int
    assignee: str | None
    rating: str | None = None
    assignee_id: int | None = None  # with it, the assignee is a mention that notifies them
    evidence_note: str = ""  # how much of it is in the evidence store (bot/views/evidence.py)
    channel: str = "telegram"  # the buyer's channel; cards of other channels say which


def next_due(ticket: TicketRecord) -> datetime | None:
    name = _DUE.get(ticket.status)
    return getattr(ticket, name) if name else None


def card_text(
    ticket: TicketRecord, facts: CardFacts, language: str, timezone: str, now: datetime
) -> str:
    """The card's HTML; every value a person wrote is escaped."""
    due = next_due(ticket)
    due_text = t(language, "agent.due_none") if due is None else local_time(due, timezone)
    if due is not None and due < now:
        due_text = f"{due_text} {t(language, 'agent.overdue')}"
    not_given = t(language, "intake.not_given")
    description = escape(ticket.description or "")
    if is_shortened(ticket):
        whole = len(ticket.description or "")
        shortened = t(language, "agent.card_shortened", count=whole)
        description = f"{escape(ticket.description[:CARD_DESCRIPTION_CHARS])}…\n{shortened}"
    confidence = (
        f"{ticket.category_confidence:.0%}"
        if ticket.category_confidence is not None
        else t(language, "agent.confidence_none")
    )
    if ticket.category_corrected_at is not None:  # that confidence was the model's category's
        confidence = _corrected(ticket, language)
    outcome = ticket.desired_resolution
    card = t(
        language,
        "agent.card",
        number=ticket.number,
        status=escape(t(language, f"status.{ticket.status.value}")),
        category=escape(t(language, f"category.{ticket.category}")),
        confidence=confidence,
        platform=escape(t(language, f"platform.{ticket.platform}"))
        if ticket.platform
        else not_given,
        order=escape(ticket.order_number) if ticket.order_number else not_given,
        shop=escape(ticket.shop) if ticket.shop else not_given,
        outcome=escape(t(language, f"outcome.{outcome}")) if outcome else not_given,
        evidence_count=facts.evidence_count,
        evidence_note=facts.evidence_note,
        assignee=_assignee(facts, language),
        due=due_text,
        rating=facts.rating or "",
        description=description or not_given,
    )
    if ticket.merged_into is not None:
        card = t(language, "merge.card_line", number=ticket.merged_into) + "\n" + card
    if facts.channel != "telegram":
        card += "\n" + t(
            language, "channel.card_line", channel=t(language, f"channel.{facts.channel}")
        )
    return card


def _corrected(ticket: TicketRecord, language: str) -> str:
    if ticket.model_category is None:
        return t(language, "corrections.card_corrected")
    try:
        guess = t(language, f"category.{ticket.model_category}")
    except KeyError:
        guess = ticket.model_category
    return t(language, "corrections.card_corrected_from", guess=escape(guess))


def is_shortened(ticket: TicketRecord) -> bool:
    """Whether the card shows only the beginning of the description (the rest follows it)."""
    return len(ticket.description or "") > CARD_DESCRIPTION_CHARS


def mention(user_id: int, name: str | None) -> str:
    """An HTML mention of a Telegram user by id (it notifies them); the name is escaped."""
    return f'<a href="tg://user?id={int(user_id)}">{escape(name or str(user_id))}</a>'


def _assignee(facts: CardFacts, language: str) -> str:
    if facts.assignee_id is not None:
        return mention(facts.assignee_id, facts.assignee)
    return escape(facts.assignee) if facts.assignee else t(language, "agent.assignee_none")


def card_keyboard(ticket: TicketRecord, language: str) -> InlineKeyboardMarkup | None:
    if ticket.merged_into is not None:
        return None  # folded into another ticket: nothing left to do here (edits drop buttons)

    def press(action: str) -> InlineKeyboardButton:
        data = ButtonData(AGENT_ACTION, action, ticket.number).encode()
        return InlineKeyboardButton(t(language, f"agent.button_{action}"), callback_data=data)

    return InlineKeyboardMarkup(
        [
            [press("claim"), press("accept"), press("investigate")],
            [press("ask"), press("resolve"), press("reject")],
            [change_category_button(ticket, language), press("dossier")],
        ]
    )


def change_category_button(ticket: TicketRecord, language: str) -> InlineKeyboardButton:
    """Opens the category list in place of the card's buttons."""
    data = ButtonData(CATEGORY_ACTION, "open", ticket.number).encode()
    return InlineKeyboardButton(t(language, "corrections.button_change"), callback_data=data)


def topic_name(ticket: TicketRecord, language: str, channel: str = "telegram") -> str:
    platform = t(language, f"platform.{ticket.platform}") if ticket.platform else "—"
    name = t(
        language,
        "agent.topic_name",
        number=ticket.number,
        category=t(language, f"category.{ticket.category}"),
        platform=platform,
    )
    if channel != "telegram":
        name = f"{t(language, f'channel.{channel}_mark')} {name}"
    return name[:TOPIC_NAME_CHARS]
