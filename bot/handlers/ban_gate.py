"""The entry of the buyer's flow for a banned buyer: nothing they send opens a ticket.

Their first text after the ban is their appeal (shown to the supervisors); after that they
hear the banned notice at most once a day. /status, /mytickets, /lang and /help still work, so
nothing already filed is hidden from them.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import Context
from bot.handlers.common import buyer_language, services
from bot.services.bans import Screened, Screening
from bot.texts import t

log = logging.getLogger(__name__)

STILL_ALLOWED = frozenset({"status", "mytickets", "lang", "help"})


async def screen_banned(update: Update, context: Context) -> None:
    """Stops handling of a banned buyer's update, recording an appeal or giving the notice."""
    user, chat, message = update.effective_user, update.effective_chat, update.message
    if user is None or chat is None or chat.type != chat.PRIVATE:
        return
    text = None
    if message is not None:
        if _command(message.text) in STILL_ALLOWED:
            return
        if not _command(message.text):
            text = message.text or message.caption
    screened = await services(context).bans.screen(user.id, text)
    if screened is None:
        return
    language = await buyer_language(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer(t(language, "ban.button_refused"), show_alert=True)
    elif screened.outcome is Screening.APPEAL:
        await context.bot.send_message(chat.id, t(language, "ban.appeal_received"))
        await _show_appeal(context, screened, user.full_name)
    elif screened.outcome is Screening.NOTICE:
        key = "ban.notice_again" if screened.ban.appeal_text else "ban.notice"
        await context.bot.send_message(chat.id, t(language, key))
    else:
        log.info("Banned buyer %s wrote again (update %s); notice given lately",
                 user.id, update.update_id)  # fmt: skip
    raise ApplicationHandlerStop


def _command(text: str | None) -> str | None:
    if not text or not text.startswith("/"):
        return None
    return text.split(maxsplit=1)[0][1:].partition("@")[0].lower()


async def _show_appeal(context: Context, screened: Screened, name: str) -> None:
    """Posts the appeal in the ticket's topic where the ban was issued, and to supervisors."""
    svc, ban = services(context), screened.ban
    text = t(svc.settings.agent_language, "ban.appeal_posted", buyer=escape(name),
             id=ban.person_id, text=escape(ban.appeal_text or ""))  # fmt: skip
    ticket = await svc.bans.ticket_of(ban)
    if ticket is not None:
        await svc.agents.notify_supervisors(ticket, text)
