"""The entry of the buyer's flow for a banned buyer: nothing they send opens a ticket.

Their first text after the ban is their appeal (shown to the supervisors); after that they
hear the banned notice at most once a day. /status, /mytickets, /lang and /help still work, so
nothing already filed is hidden from them. This holds on every channel.
"""

from __future__ import annotations

import logging
from html import escape

from bot.conversation.events import Kind, Outcome
from bot.conversation.turn import Turn
from bot.services.bans import Screened, Screening
from bot.services.cancelling import is_cancel_word
from bot.texts import t
from bot.views.reply import Reply

log = logging.getLogger(__name__)

STILL_ALLOWED = frozenset({"status", "mytickets", "lang", "help"})
WITH_TEXT = (Kind.TEXT, Kind.FILE)  # a text, or a file's caption, can be the appeal


async def screen_banned(turn: Turn) -> Outcome | None:
    """None for a buyer who is not banned (or a command still allowed); otherwise what a
    banned buyer is told, with an appeal recorded and shown to the supervisors."""
    event = turn.event
    if event.kind is Kind.COMMAND and event.command in STILL_ALLOWED:
        return None
    text = event.text if event.kind in WITH_TEXT else None
    if text is not None and is_cancel_word(text):
        text = None  # "取消" is not a reason: they hear how to appeal instead
    screened = await turn.services.bans.screen(turn.person_id, text)
    if screened is None:
        return None
    language = turn.language
    if event.kind is Kind.BUTTON:
        return Outcome(notice=t(language, "ban.button_refused"))
    if screened.outcome is Screening.APPEAL:
        await _show_appeal(turn, screened)
        return Outcome([Reply(t(language, "ban.appeal_received"))])
    if screened.outcome is Screening.NOTICE:
        key = "ban.notice_again" if screened.ban.appeal_text else "ban.notice"
        return Outcome([Reply(t(language, key))])
    log.info("Banned buyer %s wrote again; notice given lately", turn.person_id)
    return Outcome()


async def _show_appeal(turn: Turn, screened: Screened) -> None:
    """Posts the appeal in the ticket's topic where the ban was issued, and to supervisors."""
    svc, ban = turn.services, screened.ban
    text = t(svc.settings.agent_language, "ban.appeal_posted", buyer=escape(turn.display_name),
             id=ban.person_id, text=escape(ban.appeal_text or ""))  # fmt: skip
    ticket = await svc.bans.ticket_of(ban)
    if ticket is not None:
        await svc.agents.notify_supervisors(ticket, text)
