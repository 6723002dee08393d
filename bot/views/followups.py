"""Telling the buyer where their message went, or asking which ticket it is for."""

from __future__ import annotations

from html import escape

from bot.services.followups import AddedToTicket, AskWhichTicket
from bot.texts import t
from bot.views.intake import button
from bot.views.reply import Keyboard, Reply


def render_added(added: AddedToTicket, language: str) -> Reply:
    """Where the message went; placed without asking, how to start a new complaint instead."""
    if added.only_open:
        new = button(t(language, "common.button_new_complaint"), "menu", "new")
        text = t(language, "followup.added_only_open", number=added.ticket.number)
        return Reply(text, Keyboard([[new]]))
    return Reply(t(language, "followup.added", number=added.ticket.number))


def render_which_ticket(ask: AskWhichTicket, language: str) -> list[Reply]:
    keyboard = [
        [
            button(
                f"{ticket.number} · {t(language, f'category.{ticket.category}')}",
                "place",
                ticket.number,
                ask.token,
            )
        ]
        for ticket in ask.tickets
    ]
    keyboard.append([button(t(language, "followup.button_new"), "asnew", token=ask.token)])
    return [Reply(escape(t(language, "followup.which_ticket")), Keyboard(keyboard))]
