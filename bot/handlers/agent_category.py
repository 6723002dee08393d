"""The card's "change category" button and the category list it opens."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.agents import recategorise
from bot.agents.access import linked_group_of
from bot.agents.card import card_keyboard
from bot.callback_data import decode
from bot.context import Context
from bot.handlers.common import services
from bot.services.corrections import CategoryChangedMeanwhile
from bot.texts import t

log = logging.getLogger(__name__)

PATTERN = recategorise.PATTERN


async def on_category_button(update: Update, context: Context) -> None:
    """Opens the category list on the card, goes back, or sets the category an agent chose."""
    svc, query = services(context), update.callback_query
    language, data = svc.settings.agent_language, decode(query.data)
    group = await linked_group_of(update, svc.groups)
    ticket = None
    if group is not None and data is not None and query.message is not None:
        ticket = await svc.tickets.find_ticket_by_message(group.chat_id, query.message.message_id)
    choice = recategorise.parse_choice(data.value) if data is not None else None
    known = data is not None and (data.value in (recategorise.OPEN, recategorise.BACK) or choice)
    if ticket is None or not known or ticket.number != data.token:
        log.warning("Refused category button %r from user %s", query.data, update.effective_user.id)
        await query.answer(t(language, "agent.not_agent"), show_alert=True)
        return
    if ticket.merged_into is not None:  # closed into another ticket: its category is that one's
        await query.answer(t(language, "common.stale_button"), show_alert=True)
        return
    if data.value in (recategorise.OPEN, recategorise.BACK):
        opening = data.value == recategorise.OPEN
        keyboard = (recategorise.category_keyboard if opening else card_keyboard)(ticket, language)
        await _show(query, keyboard)
        await query.answer(t(language, "corrections.choose") if opening else None)
        return
    shown, chosen = choice
    try:
        change = await svc.corrections.change_category(
            ticket.number, chosen, update.effective_user.id, expected=shown or ticket.category
        )
    except CategoryChangedMeanwhile as stale:
        await svc.agents.refresh_card(stale.ticket)
        now = recategorise.category_label(stale.ticket.category, language)
        await query.answer(
            t(language, "corrections.changed_meanwhile", category=now), show_alert=True
        )
        return
    if change.changed:
        await recategorise.announce(svc.agents, change, update.effective_user.full_name)
        await query.answer(t(language, "corrections.done"))
    else:
        await _show(query, card_keyboard(ticket, language))
        await query.answer(t(language, "corrections.unchanged"))


async def _show(query: CallbackQuery, keyboard: InlineKeyboardMarkup) -> None:
    try:
        await query.edit_message_reply_markup(keyboard)
    except BadRequest as error:  # the same buttons again, or a card too old to edit
        log.info("Card buttons not changed: %s", error)
