"""The buyer's commands: /start, /help, /lang, /cancel, /status and /mytickets."""

from __future__ import annotations

from html import escape

from bot.conversation.turn import Turn
from bot.faq import FAQ_KEYS
from bot.services.records import TicketRecord
from bot.texts import LANGUAGES, t
from bot.views.cancel import cancelled_text
from bot.views.intake import button, rows
from bot.views.reply import Keyboard, Reply
from bot.views.status import render_not_found, render_ticket_detail, render_ticket_list
from storage.errors import TicketNotFound


def main_menu(language: str) -> Keyboard:
    return Keyboard(
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
    return Reply(t(language, "faq.intro"), Keyboard(rows(buttons, 1)))


async def start(turn: Turn) -> list[Reply]:
    """Greets the buyer, says what happens next and offers the main buttons."""
    language = turn.language
    return [
        Reply(t(language, "start.intro", name=escape(turn.event.sender.first_name or ""))),
        Reply(t(language, "start.choose"), main_menu(language)),
    ]


async def help_command(turn: Turn) -> list[Reply]:
    """Explains everything the bot does and its commands."""
    return [Reply(t(turn.language, "help.text"), main_menu(turn.language))]


async def lang(turn: Turn) -> list[Reply]:
    """Offers the two languages as buttons."""
    buttons = [[button("中文", "lang", "zh"), button("English", "lang", "en")]]
    return [Reply(t("zh", "lang.choose"), Keyboard(buttons))]


async def set_language(turn: Turn, language: str) -> list[Reply]:
    """Stores the language the buyer chose and confirms in it."""
    if language not in LANGUAGES:
        return []
    await turn.services.people.set_language(turn.person_id, language)
    turn.language = language
    return [Reply(t(language, "lang.set"), main_menu(language))]


async def cancel(turn: Turn) -> list[Reply]:
    """Drops the question the buyer is at, whichever it is; nothing of it is filed."""
    language = turn.language
    cancelled = await turn.services.intake.cancel(turn.person_id)
    return [Reply(cancelled_text(cancelled, language), main_menu(language))]


async def unknown(turn: Turn) -> list[Reply]:
    """A command the bot does not know: says which ones it does."""
    return [Reply(t(turn.language, "help.text"), main_menu(turn.language))]


async def status(turn: Turn) -> list[Reply]:
    """/status lists the buyer's tickets; /status TS-… shows one."""
    number = turn.event.args[0] if turn.event.args else None
    return [await status_reply(turn, number)]


async def my_tickets(turn: Turn) -> list[Reply]:
    """Lists all of the buyer's tickets with their status."""
    return [await status_reply(turn, None)]


COMMANDS = {
    "start": start, "help": help_command, "lang": lang, "cancel": cancel,
    "status": status, "mytickets": my_tickets,
}  # fmt: skip


async def on_command(turn: Turn) -> list[Reply]:
    """Runs the buyer's command; one the bot does not know gets the help text."""
    return await COMMANDS.get(turn.event.command or "", unknown)(turn)


async def status_reply(turn: Turn, number: str | None) -> Reply:
    """The list of the buyer's tickets, or one of them; others' numbers look unknown."""
    svc, language, user_id = turn.services, turn.language, turn.person_id
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
