"""/merge in a ticket's topic: folds the ticket into another of the same buyer."""

from __future__ import annotations

from html import escape

from telegram import Update

from bot.agents.merging import announce_merge
from bot.context import Context
from bot.handlers.agent_commands import _lang, _reply, _ticket_here, topic_link
from bot.handlers.common import services
from bot.services.merge import MergeRefused
from bot.texts import t
from storage.errors import TicketNotFound
from storage.numbering import normalise_number


async def merge(update: Update, context: Context) -> None:
    """Moves this ticket's conversation and evidence into the named ticket and closes it."""
    ticket = await _ticket_here(update, context)
    user = update.effective_user
    if ticket is None or user is None:
        return
    language, svc = _lang(context), services(context)
    if not context.args:
        await _reply(update, t(language, "merge.usage"))
        return
    target = normalise_number(context.args[0])
    try:
        result = await svc.merges.merge(ticket.number, target, user.id)
    except TicketNotFound:
        shown = escape(context.args[0][:32])
        await _reply(update, t(language, "agent.unknown_ticket", number=shown))
        return
    except MergeRefused as refused:
        key = f"merge.refused_{refused.reason}"
        await _reply(update, t(language, key, number=escape(refused.number)))
        return
    links = {result.source.number: topic_link(result.source),
             result.target.number: topic_link(result.target)}  # fmt: skip
    await announce_merge(svc.agents, result, user.full_name, links)
