"""After a crash: a buyer whose update had taken effect when the process died is shown
where things stand, so nobody is left waiting for an answer that died with the process.

A button press is handled again (as `resumed`): every buyer button carries its draft's
token and answers one step, so a press that was applied is refused as stale, and a Submit
that filed its ticket gives the number as on a first press (the buyer never saw it).
A message that had joined a ticket is relayed to the agents (never twice) and acknowledged;
one that filed a review (its reason) has what follows the review done (each once) and is
answered, as a resumed review or escalation press is (bot/conversation/aftercare.py).
In the agents' group, an agent's answer that had been stored is queued for the buyer (never
twice: one delivery per stored message, by a dedupe key), and its file kept; a canned answer
(/canned) that had been stored is queued for the topic and the buyer the same way. A status change
the update made is shown on the card, in the topic and to the buyer (each once per change).
Otherwise the question the buyer is at, if any, is asked again, through the outbox: replies
are queued with the update's done stamp, so an update that had effects but no done stamp is
one whose replies were never queued."""

from __future__ import annotations

from dataclasses import replace

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application

from bot.channels.telegram.buyer import command_name, message_event
from bot.context import Services
from bot.conversation import aftercare
from bot.conversation.events import resuming
from bot.conversation.messages import pending_of
from bot.conversation.relay import deliver_followup
from bot.conversation.turn import Turn
from bot.handlers.agent_messages import keep_agent_file
from bot.texts import normalise_language
from bot.views.intake import QUESTIONS, render_prompt
from storage.lifecycle import TicketStatus
from storage.models import AuthorKind


def interrupted_handler(application: Application):
    async def show_where_they_are(update: Update) -> None:
        """The question the buyer is at, asked again (the answer to it died with the crash)."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        services = application.bot_data.services
        if chat.type != ChatType.PRIVATE:
            await _answer_again(services, update)
            await _notices_again(services, update, user.full_name)
            return  # otherwise what happened is visible on the card and topic
        if update.callback_query is not None:
            with resuming() as resumed:
                await application.process_update(update)
            if resumed.answered:  # the press answered as it would have: nothing to ask again
                return
        person = await services.people.get_or_create(user.id)
        language = person.language or normalise_language(
            user.language_code, services.settings.default_language
        )
        if update.callback_query is None and await _relay_again(services, update, language):
            await _notices_again(services, update, person.display_name or "buyer",
                                 only=TicketStatus.INVESTIGATING)  # fmt: skip
            return
        if update.callback_query is None and await _aftercare_again(services, update, language):
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


async def _aftercare_again(services: Services, update: Update, language: str) -> bool:
    """A message that filed a review (its reason): what follows the review, each once, and
    the buyer's answer. False when it filed none."""
    event = message_event(update)
    if event is None:
        return False
    turn = Turn(services, replace(event, resumed=True), language)
    for change in await services.tickets.status_changes_during(update.update_id, turn.person_id):
        replies = await aftercare.told_again(turn, change)
        if replies:
            await services.telegram_outbox.send(
                update.effective_chat.id, replies, finishes_update=True
            )
            return True
    return False


async def _answer_again(services: Services, update: Update) -> None:
    """An agent's message that had been stored as an answer: queued for the buyer (not twice
    when it had been queued before the crash) and its file kept."""
    message, group = update.message, await services.groups.active()
    if message is None or group is None or message.chat_id != group.chat_id:
        return
    if command_name(message.text or "") == "canned":
        await _prepared_again(services, update)
        return
    row = await services.tickets.find_message(message.chat_id, message.message_id)
    if row is None or row.author_kind is not AuthorKind.AGENT or row.buyer_message_id:
        return  # not an answer, or one the buyer already has
    ticket = await services.tickets.find_ticket_by_message(message.chat_id, message.message_id)
    await services.agents.deliver_answer(ticket, message, row.id)
    files = await services.tickets.list_attachments(ticket.number)
    if not any(item.ticket_message_id == row.id for item in files):
        await keep_agent_file(services, ticket.number, message, row.author_id)


async def _prepared_again(services: Services, update: Update) -> None:
    """A canned answer the command had stored: queued for the topic and the buyer (neither
    twice when it had been queued before the crash)."""
    for ticket, row in await services.tickets.answers_during(
        update.update_id, update.effective_user.id
    ):
        if row.buyer_message_id is None and row.text:
            await services.agents.deliver_prepared(ticket, row.id, row.text)


async def _notices_again(
    services: Services, update: Update, name: str, *, only: TicketStatus | None = None
) -> None:
    """The status changes the update made: the card, the note and the buyer's notice, each
    queued unless it was before the crash."""
    for change in await services.tickets.status_changes_during(
        update.update_id, update.effective_user.id
    ):
        if only is None or change.ticket.status is only:
            await services.agents.status_changed(change.ticket, change.old, name, change.note)
