"""What every buyer handler needs: who is writing, in which language, and how to answer."""

from __future__ import annotations

from collections.abc import Iterable

from telegram import Update

from bot.context import Context, Services
from bot.texts import normalise_language
from bot.views.reply import Reply


def services(context: Context) -> Services:
    return context.bot_data.services


async def buyer_language(update: Update, context: Context) -> str:
    """Records the person (name, Telegram language) and returns the language to answer in."""
    user = update.effective_user
    assert user is not None
    seed = normalise_language(user.language_code, services(context).settings.default_language)
    person = await services(context).people.get_or_create(user.id, user.full_name, seed)
    return person.language or seed


async def send(context: Context, chat_id: int, replies: Iterable[Reply]) -> None:
    """Sends the replies in order (HTML, no link previews: the application's defaults)."""
    for reply in replies:
        await context.bot.send_message(chat_id, reply.text, reply_markup=reply.markup)


async def answer(update: Update, context: Context, *replies: Reply) -> None:
    chat = update.effective_chat
    assert chat is not None
    await send(context, chat.id, replies)
