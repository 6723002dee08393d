"""Buttons pressed by a buyer in the private chat."""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.error import BadRequest

from bot.callback_data import ButtonData, decode
from bot.context import Context
from bot.faq import faq_answer
from bot.handlers import aftercare
from bot.handlers.buyer_commands import faq_menu, main_menu, set_language, status_reply
from bot.handlers.common import answer, buyer_language, services
from bot.handlers.relay import deliver_followup
from bot.services.followups import NotHeld
from bot.services.intake import Prompt, StaleButton
from bot.services.intake_draft import Step
from bot.texts import LANGUAGES, t
from bot.views.intake import edit_menu, render_prompt
from bot.views.reply import Reply
from storage.errors import DomainError, TicketNotFound

log = logging.getLogger(__name__)


async def on_button(update: Update, context: Context) -> None:
    """Acts on a pressed button; a stale or foreign one gets a short notice."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    language = await buyer_language(update, context)
    if query.message is None or query.message.chat.id != update.effective_user.id:
        # A buyer's buttons act only in their own private chat; the answer would go elsewhere.
        await query.answer(t(language, "common.not_your_button"), show_alert=True)
        return
    data = decode(query.data)
    if data is None:
        await query.answer(t(language, "common.stale_button"), show_alert=True)
        return
    try:
        replies = await dispatch(update, context, data, language)
    except (StaleButton, NotHeld, TicketNotFound, DomainError) as error:
        log.info("Refused button %r of user %s: %s", query.data, update.effective_user.id, error)
        await query.answer(t(language, "common.stale_button"), show_alert=True)
        return
    await query.answer()
    if data.token:
        await _remove_buttons(update)
    await answer(update, context, *replies)


async def dispatch(
    update: Update, context: Context, data: ButtonData, language: str
) -> list[Reply]:
    """The replies to one button; raises a DomainError for a button that no longer applies."""
    svc, user_id = services(context), update.effective_user.id
    action, value, token = data.action, data.value, data.token
    intake = svc.intake
    if action == "menu":
        return await _menu(update, context, value, language)
    if action == "faq":
        text = faq_answer(value, language)
        return [Reply(escape(text), main_menu(language))] if text else [faq_menu(language)]
    if action == "lang":
        if value not in LANGUAGES:
            raise StaleButton(value)
        await set_language(update, context, value)
        return []
    if action == "show":
        return [await status_reply(update, context, language, value)]
    if action == "place":
        placed = await svc.followups.place(user_id, token, value)
        return [await deliver_followup(context, placed, language)]
    if action == "asnew":
        text = await svc.followups.as_new_complaint(user_id, token)
        if not text.strip():
            return _prompt(await intake.begin(user_id), language)
        return _prompt(await intake.describe(user_id, text, await svc.nlu.parse(text)), language)
    if action in AFTERCARE:
        return await _aftercare(update, context, action, value, token, language)
    if action == "submit":
        return await _submit(update, context, token, language)
    if action == "discard":
        await _discard(context, user_id, token)
        return [Reply(t(language, "intake.cancelled"), main_menu(language))]
    if action == "editmenu":
        current = await intake.current(user_id)
        if current is None or current.draft.token != token:
            raise StaleButton(token)
        return [edit_menu(current.draft, language)]
    return _prompt(await _intake_step(context, user_id, action, value, token), language)


AFTERCARE = ("rate", "rskip", "review", "escalate", "unhappy")


async def _aftercare(
    update: Update, context: Context, action: str, value: str, number: str, language: str
) -> list[Reply]:
    """Buttons after a decision; the number in the button is checked against the presser."""
    if action == "rate":
        if value not in ("1", "2", "3", "4", "5"):
            raise StaleButton(value)
        return await aftercare.rate(update, context, number, int(value), language)
    if action == "rskip":
        return await aftercare.skip_comment(update, context, language)
    if action == "review":
        return await aftercare.ask_review(update, context, number, language)
    if action == "escalate":
        return await aftercare.escalate(update, context, number, language)
    return await aftercare.choices_for(update, context, number, language)


async def _intake_step(
    context: Context, user_id: int, action: str, value: str, token: str
) -> Prompt:
    intake = services(context).intake
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


async def _menu(update: Update, context: Context, value: str, language: str) -> list[Reply]:
    if value == "new":
        return _prompt(await services(context).intake.begin(update.effective_user.id), language)
    if value == "mine":
        return [await status_reply(update, context, language, None)]
    return [faq_menu(language)]


async def _submit(update: Update, context: Context, token: str, language: str) -> list[Reply]:
    """Files the ticket (once) and gives its number and timeline."""
    svc = services(context)
    filed = await svc.intake.submit(update.effective_user.id, token)
    number = filed.ticket.number
    if filed.duplicate:
        status = escape(t(language, f"status.{filed.ticket.status.value}"))
        return [Reply(t(language, "intake.duplicate", number=number, status=status))]
    await svc.agents.ticket_filed(filed.ticket)
    return [Reply(t(language, "intake.submitted", number=number), main_menu(language))]


async def _discard(context: Context, user_id: int, token: str) -> None:
    current = await services(context).intake.current(user_id)
    if current is None or current.draft.token != token:
        raise StaleButton(token)
    await services(context).intake.discard(user_id)


def _prompt(prompt: Prompt, language: str) -> list[Reply]:
    return render_prompt(prompt, language)


async def _remove_buttons(update: Update) -> None:
    """Takes the buttons off the answered question, so it cannot be answered twice."""
    try:
        await update.callback_query.edit_message_reply_markup(None)
    except BadRequest:
        pass  # already without buttons, or too old to edit: nothing to undo
