"""Changing a ticket's category from its card: the list of categories in place of the card's
buttons, and what follows a change (the card, the topic's title, a note in the topic).

A category button carries the category the card showed and the one chosen, as positions in
the taxonomy (`agcat|3>5|TS-20261121-0042`), so a list opened before someone else changed
the category is recognised as stale instead of undoing their change.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.agents.card import CATEGORY_ACTION, topic_name
from bot.agents.desk import AgentDesk
from bot.callback_data import ButtonData
from bot.services.corrections import CategoryChange
from bot.services.intake_draft import COMPLAINT_CATEGORIES
from bot.services.records import TicketRecord
from bot.texts import t

log = logging.getLogger(__name__)

ACTION = CATEGORY_ACTION
PATTERN = rf"^{ACTION}\|"
OPEN, BACK = "open", "back"
OUTSIDE_TAXONOMY = "x"  # the card showed a category today's taxonomy no longer has


def category_keyboard(ticket: TicketRecord, language: str) -> InlineKeyboardMarkup:
    """The twelve categories (the current one ticked), then "back" to the card's buttons."""
    shown = _position(ticket.category)
    buttons = []
    for position, category in enumerate(COMPLAINT_CATEGORIES):
        label = t(language, f"category.{category}")
        if category == ticket.category:
            label = f"✅ {label}"
        data = ButtonData(ACTION, f"{shown}>{position}", ticket.number).encode()
        buttons.append(InlineKeyboardButton(label, callback_data=data))
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    back = ButtonData(ACTION, BACK, ticket.number).encode()
    rows.append([InlineKeyboardButton(t(language, "common.button_back"), callback_data=back)])
    return InlineKeyboardMarkup(rows)


def parse_choice(value: str) -> tuple[str | None, str] | None:
    """(the category the list was opened on, None when outside the taxonomy; the one
    chosen) of a category button, or None when the button is not one this bot made."""
    shown, _, chosen = value.partition(">")
    if not chosen.isdigit() or int(chosen) >= len(COMPLAINT_CATEGORIES):
        return None
    if shown == OUTSIDE_TAXONOMY:
        return None, COMPLAINT_CATEGORIES[int(chosen)]
    if not shown.isdigit() or int(shown) >= len(COMPLAINT_CATEGORIES):
        return None
    return COMPLAINT_CATEGORIES[int(shown)], COMPLAINT_CATEGORIES[int(chosen)]


async def announce(desk: AgentDesk, change: CategoryChange, agent_name: str) -> None:
    """After a change: the card and the topic's title follow, and the topic notes who changed
    what. The buyer is not told: the category is the desk's way of sorting the work."""
    ticket, language = change.ticket, desk.language
    await desk.refresh_card(ticket)
    if ticket.group_chat_id is not None and ticket.group_topic_id is not None:
        try:
            await desk.bot.edit_forum_topic(
                ticket.group_chat_id, ticket.group_topic_id, name=topic_name(ticket, language)
            )
        except TelegramError as error:  # a deleted topic is recreated when next needed
            log.warning("Could not rename the topic of %s: %s", ticket.number, error)
    note = t(
        language,
        "corrections.changed",
        old=escape(category_label(change.before, language)),
        new=escape(category_label(ticket.category, language)),
        agent=escape(agent_name),
    )
    await desk.post_in_ticket(ticket, note)


def category_label(category: str, language: str) -> str:
    try:
        return t(language, f"category.{category}")
    except KeyError:  # a category outside today's taxonomy keeps its code
        return category


def _position(category: str) -> str:
    if category in COMPLAINT_CATEGORIES:
        return str(COMPLAINT_CATEGORIES.index(category))
    return OUTSIDE_TAXONOMY
