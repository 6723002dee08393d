"""Buttons pressed by a buyer."""

from __future__ import annotations

import logging
from html import escape

from bot.callback_data import ButtonData, decode
from bot.conversation import aftercare
from bot.conversation.commands import faq_menu, main_menu, set_language, status_reply
from bot.conversation.events import Outcome
from bot.conversation.relay import deliver_followup
from bot.conversation.turn import Turn
from bot.faq import faq_answer
from bot.services.followups import AddedToTicket, NotHeld
from bot.services.intake import Prompt, StaleButton
from bot.services.intake_draft import Step
from bot.texts import LANGUAGES, t
from bot.views.intake import edit_menu, render_prompt
from bot.views.reply import Reply
from storage.errors import DomainError, TicketNotFound

log = logging.getLogger(__name__)


async def on_button(turn: Turn) -> Outcome:
    """Acts on a pressed button; a stale or foreign one gets a short notice."""
    raw = turn.event.data
    data = decode(raw)
    if data is None:
        return Outcome(notice=t(turn.language, "common.stale_button"))
    try:
        replies = await dispatch(turn, data)
    except (StaleButton, NotHeld, TicketNotFound, DomainError) as error:
        log.info("Refused button %r of person %s: %s", raw, turn.person_id, error)
        if turn.event.resumed:  # applied before a crash: not outdated for the buyer
            return Outcome()
        return Outcome(notice=t(turn.language, "common.stale_button"))
    return Outcome(replies=replies, remove_buttons=bool(data.token))


async def dispatch(turn: Turn, data: ButtonData) -> list[Reply]:
    """The replies to one button; raises a DomainError for a button that no longer applies."""
    svc, user_id, language = turn.services, turn.person_id, turn.language
    action, value, token = data.action, data.value, data.token
    intake = svc.intake
    if action == "menu":
        return await _menu(turn, value)
    if action == "faq":
        text = faq_answer(value, language)
        return [Reply(escape(text), main_menu(language))] if text else [faq_menu(language)]
    if action == "lang":
        if value not in LANGUAGES:
            raise StaleButton(value)
        return await set_language(turn, value)
    if action == "show":
        return [await status_reply(turn, value)]
    if action == "place":
        return [await deliver_followup(turn, await _place(turn, token, value))]
    if action == "asnew":
        text = await svc.followups.as_new_complaint(user_id, token)
        if not text.strip():
            return render_prompt(await intake.begin(user_id), language)
        prompt = await intake.describe(user_id, text, await turn.parse(text))
        return render_prompt(prompt, language)
    if action in AFTERCARE:
        return await _aftercare(turn, action, value, token)
    if action == "submit":
        return await _submit(turn, token)
    if action == "discard":
        await _discard(turn, token)
        return [Reply(t(language, "intake.cancelled"), main_menu(language))]
    if action == "editmenu":
        current = await intake.current(user_id)
        if current is None or current.draft.token != token:
            raise StaleButton(token)
        return [edit_menu(current.draft, language)]
    return render_prompt(await _intake_step(turn, action, value, token), language)


AFTERCARE = ("rate", "rskip", "review", "escalate", "unhappy")


async def _aftercare(turn: Turn, action: str, value: str, number: str) -> list[Reply]:
    """Buttons after a decision; the number in the button is checked against the presser."""
    if action == "rate":
        if value not in ("1", "2", "3", "4", "5"):
            raise StaleButton(value)
        return await aftercare.rate(turn, number, int(value))
    if action == "rskip":
        return await aftercare.skip_comment(turn)
    if action == "review":
        return await aftercare.ask_review(turn, number)
    if action == "escalate":
        return await aftercare.escalate(turn, number)
    return await aftercare.choices_for(turn, number)


async def _intake_step(turn: Turn, action: str, value: str, token: str) -> Prompt:
    intake, user_id = turn.services.intake, turn.person_id
    if action == "cat":
        return await intake.choose_category(user_id, token, value)
    if action == "catlist":
        return await intake.list_categories(user_id, token)
    if action == "plat":
        return await intake.choose_platform(user_id, token, value or None)
    if action == "order":
        return await intake.choose_order(user_id, token, use_detected=value == "use")
    if action == "shop":
        return await intake.give_shop(user_id, None, token=token)
    if action == "out":
        return await intake.choose_outcome(user_id, token, value or None)
    if action == "evdone":
        return await intake.finish_evidence(user_id, token)
    if action == "edit":
        try:
            return await intake.edit(user_id, token, Step(value))
        except ValueError as error:
            raise StaleButton(value) from error
    raise StaleButton(action)


async def _menu(turn: Turn, value: str) -> list[Reply]:
    if value == "new":
        return render_prompt(await turn.services.intake.begin(turn.person_id), turn.language)
    if value == "mine":
        return [await status_reply(turn, None)]
    return [faq_menu(turn.language)]


async def _place(turn: Turn, token: str, number: str) -> AddedToTicket:
    """Puts the held messages into the ticket; a press resumed after a crash that had done
    so relays them (not twice) and answers as the first time."""
    followups = turn.services.followups
    try:
        return await followups.place(turn.person_id, token, number)
    except NotHeld:
        placed = await followups.placed(turn.person_id, token) if turn.event.resumed else None
        if placed is None:
            raise
        return placed


async def _submit(turn: Turn, token: str) -> list[Reply]:
    """Files the ticket (once) and gives its number and timeline."""
    svc, language = turn.services, turn.language
    filed = await svc.intake.submit(turn.person_id, token)
    number = filed.ticket.number
    if filed.same_press and turn.event.resumed:
        # This press filed the ticket before a crash took its answer: the buyer tapped once
        # and has not seen the number. The card may not be queued yet (never twice).
        await svc.agents.post_pending_cards([filed.ticket])
    elif filed.duplicate:
        status = escape(t(language, f"status.{filed.ticket.status.value}"))
        return [Reply(t(language, "intake.duplicate", number=number, status=status))]
    else:
        await svc.agents.ticket_filed(filed.ticket)
    # The number, then (queued with it, on a first press as on a resumed one) the opening of
    # the ticket's topic in the buyer's chat.
    submitted = t(language, "intake.submitted", number=number)
    return [Reply(submitted, main_menu(language), opens=number)]


async def _discard(turn: Turn, token: str) -> None:
    current = await turn.services.intake.current(turn.person_id)
    if current is None or current.draft.token != token:
        raise StaleButton(token)
    await turn.services.intake.discard(turn.person_id)
