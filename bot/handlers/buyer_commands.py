"""The buyer's commands: /start, /help, /lang, /cancel, /status and /mytickets."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Update

from bot.context import Context
from bot.faq import FAQ_KEYS
from bot.handlers.common import answer, buyer_language, services
from bot.services.records import TicketRecord
from bot.texts import LANGUAGES, t
from bot.views.cancel import cancelled_text
from bot.views.intake import button, rows
from bot.views.reply import Reply
from bot.views.status import render_not_found, render_ticket_detail, render_ticket_list
from storage.errors import TicketNotFound


def main_menu(language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(t(language, "common.button_new_complaint"), "menu", "new")],
            [
                button(t(language, "common.button_my_tickets"), "menu", "mine"),
                button(t(language, "common.button_faq"), "menu", "faq"),
            ],
        ]
    )


def faq_menu(language: str) -> Reply:
    buttons = [button(t(language, f"faq.{key}"), "faq", key) for key in FAQ_KEYS]
    return Reply(t(language, "faq.intro"), InlineKeyboardMarkup(rows(buttons, 1)))


async def start(update: Update, context: Context) -> None:
    """Greets the buyer, says what happens next and offers the main buttons."""
    language = await buyer_language(update, context)
    name = escape(update.effective_user.first_name if update.effective_user else "")
    await answer(
        update,
        context,
        Reply(t(language, "start.intro", name=name)),
        Reply(t(language, "start.choose"), main_menu(language)),
    )


async def help_command(update: Update, context: Context) -> None:
    """Explains everything the bot does and its commands."""
    language = await buyer_language(update, context)
    await answer(update, context, Reply(t(language, "help.text"), main_menu(language)))


async def lang(update: Update, context: Context) -> None:
    """Offers the two languages as buttons."""
    await buyer_language(update, context)
    buttons = [[button("中文", "lang", "zh"), button("English", "lang", "en")]]
    await answer(update, context, Reply(t("zh", "lang.choose"), InlineKeyboardMarkup(buttons)))


async def set_language(update: Update, context: Context, language: str) -> None:
    """Stores the language the buyer chose and confirms in it."""
    if language not in LANGUAGES or update.effective_user is None:
        return
    await services(context).people.set_language(update.effective_user.id, language)
    await answer(update, context, Reply(t(language, "lang.set"), main_menu(language)))


async def cancel(update: Update, context: Context) -> None:
    """Drops the question the buyer is at, whichever it is; nothing of it is filed."""
    language = await buyer_language(update, context)
    user_id = update.effective_user.id if update.effective_user else 0
    cancelled = await services(context).intake.cancel(user_id)
    await answer(update, context, Reply(cancelled_text(cancelled, language), main_menu(language)))


async def unknown(update: Update, context: Context) -> None:
    """A command the bot does not know: says which ones it does."""
    language = await buyer_language(update, context)
    await answer(update, context, Reply(t(language, "help.text"), main_menu(language)))


async def status(update: Update, context: Context) -> None:
    """/status lists the buyer's tickets; /status TS-… shows one."""
    language = await buyer_language(update, context)
    number = context.args[0] if context.args else None
    await answer(update, context, await status_reply(update, context, language, number))


async def my_tickets(update: Update, context: Context) -> None:
    """Lists all of the buyer's tickets with their status."""
    language = await buyer_language(update, context)
    await answer(update, context, await status_reply(update, context, language, None))


async def status_reply(
    update: Update, context: Context, language: str, number: str | None
) -> Reply:
    """The list of the buyer's tickets, or one of them; others' numbers look unknown."""
    svc = services(context)
    user_id = update.effective_user.id if update.effective_user else 0
    timezone = svc.settings.timezone
    if number is None:
        overview = await svc.tickets.overview_for_owner(user_id)
        return render_ticket_list(overview, language, timezone)
    try:
        ticket: TicketRecord = await svc.tickets.get_for_owner(user_id, number)
    except TicketNotFound:
        return render_not_found(number, language)
    latest = await svc.tickets.latest_public_text(ticket.id)
    return render_ticket_detail(ticket, latest, language, timezone)
