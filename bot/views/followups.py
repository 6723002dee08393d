"""Telling the buyer where their message went, or asking which ticket it is for."""

from __future__ import annotations

from html import escape

from bot.services.followups import AddedToTicket, AskWhichTicket
from bot.texts import t
from bot.views.intake import button
from bot.views.reply import Keyboard, Reply


def render_added(added: AddedToTicket, language: str) -> Reply:
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
