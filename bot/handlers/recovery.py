"""After a crash: a buyer whose update had taken effect when the process died is shown
where things stand, so nobody is left waiting for an answer that died with the process.

A button press is handled again (as `resumed`): every buyer button carries its draft's
token and answers one step, so a press that was applied is refused as stale, and a Submit
that filed its ticket gives the number as on a first press (the buyer never saw it).
A message that had joined a ticket is relayed to the agents (never twice) and acknowledged.
Otherwise the question the buyer is at, if any, is asked again, through the outbox: replies
are queued with the update's done stamp, so an update that had effects but no done stamp is
one whose replies were never queued."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application

from bot.channels.telegram.buyer import message_event
from bot.context import Services
from bot.conversation.events import resuming
from bot.conversation.messages import pending_of
from bot.conversation.relay import deliver_followup
from bot.conversation.turn import Turn
from bot.texts import normalise_language
from bot.views.intake import QUESTIONS, render_prompt


def interrupted_handler(application: Application):
    async def show_where_they_are(update: Update) -> None:
        """The question the buyer is at, asked again (the answer to it died with the crash)."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or chat.type != ChatType.PRIVATE:
            return  # in the agents' group, what happened is visible on the card and topic
        services = application.bot_data.services
        if update.callback_query is not None:
            with resuming():
                await application.process_update(update)
        person = await services.people.get_or_create(user.id)
        language = person.language or normalise_language(
            user.language_code, services.settings.default_language
        )
        if update.callback_query is None and await _relay_again(services, update, language):
            return
        prompt = await services.intake.current(user.id)
        if prompt is None or prompt.step not in QUESTIONS:
            return
        replies = render_prompt(prompt, language)
        await services.telegram_outbox.send(chat.id, replies, finishes_update=True)

    return show_where_they_are


async def _relay_again(services: Services, update: Update, language: str) -> bool:
    """A message that had joined a ticket: relayed to the agents (a relay queued before the
    crash is not queued twice) and acknowledged. False when it joined no ticket."""
    event = message_event(update)
    if event is None or event.source is None:
        return False
    turn = Turn(services, event, language)
    added = await services.followups.joined(pending_of(turn))
    if added is None:
        return False
    reply = await deliver_followup(turn, added)
    await services.telegram_outbox.send(update.effective_chat.id, [reply], finishes_update=True)
    return True
