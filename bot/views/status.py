"""A buyer's tickets and their status in words, in the buyer's language."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from bot.services.records import TicketRecord
from bot.texts import t
from bot.views.intake import button
from bot.views.reply import Keyboard, Reply
from storage.lifecycle import TicketStatus

LATEST_CHARS = 300
NUMBER_SHOWN_CHARS = 32  # a ticket number has 16; anything longer is not one

_DUE = {
    TicketStatus.NEW: "accept_due_at",
    TicketStatus.ACCEPTED: "investigate_due_at",
    TicketStatus.INVESTIGATING: "resolve_due_at",
    TicketStatus.ESCALATED: "resolve_due_at",
}


def local_time(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def next_step(ticket: TicketRecord, language: str, timezone: str) -> str:
    if ticket.merged_into is not None:
        return t(language, "merge.next_step", number=ticket.merged_into)
    due_field = _DUE.get(ticket.status)
    due = local_time(getattr(ticket, due_field), timezone) if due_field else ""
    return t(language, f"status_reply.next_{ticket.status.value}", due=due)


def status_words(ticket: TicketRecord, language: str) -> str:
    """The ticket's status as the buyer reads it, escaped; a merged one names its target."""
    if ticket.merged_into is not None:
        return escape(t(language, "merge.status", number=ticket.merged_into))
    return escape(t(language, f"status.{ticket.status.value}"))


def ticket_line(ticket: TicketRecord, language: str, timezone: str) -> str:
    return t(
        language,
        "status_reply.line",
        number=ticket.number,
        category=escape(t(language, f"category.{ticket.category}")),
        status=status_words(ticket, language),
        filed=local_time(ticket.filed_at, timezone),
    )


def latest_line(latest: str | None, language: str) -> str:
    if not latest:
        return ""
    shortened = latest if len(latest) <= LATEST_CHARS else latest[:LATEST_CHARS] + "…"
    return "\n    " + t(language, "status_reply.latest", text=escape(shortened))


def render_ticket_list(
    tickets: list[tuple[TicketRecord, str | None]], language: str, timezone: str
) -> Reply:
    """All of the buyer's tickets, newest first, each with its latest news."""
    if not tickets:
        new = button(t(language, "common.button_new_complaint"), "menu", "new")
        return Reply(t(language, "status_reply.none"), Keyboard([[new]]))
    lines = [t(language, "status_reply.list_header")]
    for ticket, latest in tickets:
        lines.append(ticket_line(ticket, language, timezone) + latest_line(latest, language))
    buttons = [[button(ticket.number, "show", ticket.number)] for ticket, _ in tickets[:8]]
    return Reply("\n".join(lines), Keyboard(buttons))


def render_ticket_detail(
    ticket: TicketRecord, latest: str | None, language: str, timezone: str
) -> Reply:
    text = t(
        language,
        "status_reply.detail",
        number=ticket.number,
        category=escape(t(language, f"category.{ticket.category}")),
        status=status_words(ticket, language),
        filed=local_time(ticket.filed_at, timezone),
        next_step=next_step(ticket, language, timezone),
    )
    return Reply(text + latest_line(latest, language))


def render_not_found(number: str, language: str) -> Reply:
    """Says the number is unknown; a very long "number" is shortened so the answer fits."""
    if len(number) > NUMBER_SHOWN_CHARS:
        number = number[:NUMBER_SHOWN_CHARS] + "…"
    return Reply(t(language, "status_reply.not_found", number=escape(number)))
