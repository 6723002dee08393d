"""The buttons of ticket cards in the agents' group."""

from __future__ import annotations

import logging

from telegram import Update

from bot.agents import actions
from bot.agents.access import linked_group_of
from bot.agents.card import ACTIONS
from bot.callback_data import decode
from bot.context import Context
from bot.handlers.agent_commands import svc_prompt
from bot.handlers.common import services
from bot.handlers.dossier import send_agents_dossier
from bot.texts import t
from storage.errors import InvalidTransition
from storage.lifecycle import can_transition

log = logging.getLogger(__name__)

PATTERN = r"^agent\|"


async def on_card_button(update: Update, context: Context) -> None:
    """Claims, changes the status, or asks for the explanation of a decision."""
    svc, query = services(context), update.callback_query
    language = svc.settings.agent_language
    data = decode(query.data)
    group = await linked_group_of(update, svc.groups)
    ticket = None
    if group is not None and data is not None and query.message is not None:
        ticket = await svc.tickets.find_ticket_by_message(group.chat_id, query.message.message_id)
    if ticket is None or data is None or ticket.number != data.token or data.value not in ACTIONS:
        log.warning("Refused card button %r from user %s", query.data, update.effective_user.id)
        await query.answer(t(language, "agent.not_agent"), show_alert=True)
        return
    action, agent = data.value, update.effective_user
    if action == "claim":
        await actions.assign(svc, ticket.number, agent, agent)
    elif action == "dossier":
        await query.answer()
        await send_agents_dossier(context, ticket, agent, query.message)
        return
    elif action in actions.DECISIONS:
        if not can_transition(ticket.status, actions.DECISIONS[action]):
            await _refuse_transition(query, language, ticket.status)
            return
        await svc_prompt(update, context, ticket, action)
    else:
        try:
            await actions.change_status(svc, ticket.number, actions.STATUS_OF[action], agent)
        except InvalidTransition as error:
            await _refuse_transition(query, language, error.current)
            return
    await query.answer()


async def _refuse_transition(query, language: str, status) -> None:
    text = t(language, "agent.invalid_transition", status=t(language, f"status.{status.value}"))
    await query.answer(text, show_alert=True)
