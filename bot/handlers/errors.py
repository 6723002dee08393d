"""The last resort: log the error with its traceback, answer the person kindly.

In a private chat the answer is queued in the outbox, after the replies the handler queued
before it failed, with the update's done stamp; when the database is what failed, it is sent
at once instead (as it is in the agents' group: an answer to an agent's own command)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from telegram import Update
from telegram.error import TelegramError

from bot.context import Context
from bot.texts import normalise_language, t
from bot.views.reply import Reply

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Logs any unhandled error and tells the person, in their language, that nothing is lost."""
    log.error("Error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    language = await _language(update, context)
    busy = isinstance(context.error, DBAPIError | PoolTimeout | OSError)
    text = t(language, "common.database_busy" if busy else "common.generic_error")
    chat = update.effective_chat
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
    except TelegramError:
        log.info("The button press of chat %s was not answered", chat.id)
    try:
        if chat.type == chat.PRIVATE and not busy and await _queued(context, chat.id, text):
            return
        await context.bot.send_message(chat.id, text)
    except TelegramError:
        log.warning("Could not tell chat %s about the error", chat.id)


async def _queued(context: Context, chat_id: int, text: str) -> bool:
    """Queues the answer; False when the database refuses it too."""
    try:
        outbox = context.bot_data.services.telegram_outbox
        await outbox.send(chat_id, [Reply(text)], finishes_update=True)
    except (SQLAlchemyError, OSError):
        log.warning("Could not queue the error message for chat %s", chat_id, exc_info=True)
        return False
    return True


async def _language(update: Update, context: Context) -> str:
    user = update.effective_user
    fallback = normalise_language(user.language_code if user else None)
    if user is None:
        return fallback
    try:
        person = await context.bot_data.services.people.get(user.id)
    except Exception:  # the database may be what failed; the Telegram language will do
        return fallback
    return person.language or fallback
