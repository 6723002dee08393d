"""/ban, /unban and /appeals in the agents' group."""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.error import TelegramError

from bot.agents.access import linked_group_of
from bot.agents.desk import UNDELIVERED
from bot.channels.delivery import ChannelUnavailable
from bot.context import Context, Services
from bot.handlers.agent_commands import _lang, _reply, _text_after_command, _ticket_here
from bot.handlers.common import services
from bot.outbox.followups import followup
from bot.services.bans import BanError
from bot.texts import t
from bot.views.reply import Reply
from storage.errors import PersonNotFound, TicketNotFound

log = logging.getLogger(__name__)

REASON_CHARS = 500
APPEAL_SHOWN_CHARS = 300


def may_ban(svc: Services, user_id: int) -> bool:
    """BAN_ALLOWED=agents: anyone of the agents' group; =supervisors: ADMIN_IDS only."""
    return svc.settings.ban_allowed == "agents" or user_id in svc.settings.admin_ids


async def ban(update: Update, context: Context) -> None:
    """Stops the buyer of this topic's ticket from filing; they are told how to appeal."""
    ticket = await _ticket_here(update, context)
    user, svc, language = update.effective_user, services(context), _lang(context)
    if ticket is None or user is None:
        return
    if not may_ban(svc, user.id):
        await _reply(update, t(language, "ban.refused"))
        return
    reason = _text_after_command(update.effective_message)[:REASON_CHARS]
    if not reason:
        await _reply(update, t(language, "ban.usage"))
        return
    try:
        await svc.bans.ban(ticket.owner_id, reason, user.id, ticket_id=ticket.id)
    except BanError:
        await _reply(update, t(language, "ban.already"))
        return
    buyer = await svc.people.get_or_create(ticket.owner_id)
    notice = t(buyer.language or "zh", "ban.notice")
    failed = await _tell(context, ticket.owner_id, notice, number=ticket.number)
    if failed is not None:
        await svc.agents.report_undelivered(ticket, failed)
    await _reply(update, t(language, "ban.done", buyer=escape(buyer.display_name or str(buyer.id)),
                           agent=escape(user.full_name), reason=escape(reason)))  # fmt: skip


async def unban(update: Update, context: Context) -> None:
    """Lifts the ban of this topic's buyer, or of the user id or ticket number given."""
    user, svc, language = update.effective_user, services(context), _lang(context)
    if user is None:
        return
    if context.args:
        if await linked_group_of(update, svc.groups) is None:
            await _reply(update, t(language, "agent.not_agent"))
            return
        person_id = await _person_named(context, context.args[0])
        if person_id is None:
            await _reply(update, t(language, "ban.unban_usage"))
            return
    else:
        ticket = await _ticket_here(update, context)
        if ticket is None:
            return
        person_id = ticket.owner_id
    if not may_ban(svc, user.id):
        await _reply(update, t(language, "ban.refused"))
        return
    try:
        await svc.bans.unban(person_id, user.id)
        buyer = await svc.people.get(person_id)
    except (BanError, PersonNotFound):
        await _reply(update, t(language, "ban.not_banned"))
        return
    await _tell(context, person_id, t(buyer.language or "zh", "ban.buyer_unbanned"))
    name = escape(buyer.display_name or str(buyer.id))
    await _reply(update, t(language, "ban.unbanned", buyer=name, agent=escape(user.full_name)))


async def _person_named(context: Context, word: str) -> int | None:
    """A user id as typed, or the owner of the ticket number typed."""
    if word.isdigit():
        return int(word)
    try:
        return (await services(context).tickets.get(word)).owner_id
    except TicketNotFound:
        return None


async def appeals(update: Update, context: Context) -> None:
    """Lists the appeals waiting for a supervisor's decision."""
    svc, language = services(context), _lang(context)
    if await linked_group_of(update, svc.groups) is None:
        await _reply(update, t(language, "agent.not_agent"))
        return
    waiting = await svc.bans.appeals()
    if not waiting:
        await _reply(update, t(language, "ban.appeals_none"))
        return
    lines = [t(language, "ban.appeals_header")]
    for item in waiting:
        person = await svc.people.get_or_create(item.person_id)
        ticket = await svc.bans.ticket_of(item)
        text = item.appeal_text or ""
        if len(text) > APPEAL_SHOWN_CHARS:
            text = text[:APPEAL_SHOWN_CHARS] + "…"
        lines.append(t(language, "ban.appeals_line",
                       buyer=escape(person.display_name or str(person.id)), id=person.id,
                       ticket=f" · <code>{ticket.number}</code>" if ticket else "",
                       text=escape(text)))  # fmt: skip
    await _reply(update, "\n".join(lines))


async def _tell(
    context: Context, chat_id: int, text: str, *, number: str | None = None
) -> Exception | None:
    """Sends `text` to the buyer; a refusal (they blocked the bot) is returned, not raised:
    the ban or its lifting stands all the same. With the ticket's `number`, a refusal found
    once the outbox has tried is reported in its topic."""
    undelivered = None if number is None else followup(UNDELIVERED, number=number)
    try:
        await context.bot_data.services.buyers.send(
            chat_id, Reply(text), if_undelivered=undelivered
        )
    except (TelegramError, ChannelUnavailable) as error:
        log.warning("Buyer %s not told of a ban change: %s", chat_id, error)
        return error
    return None
