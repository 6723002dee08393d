"""The last resort: log the error with its traceback, answer the person kindly."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from telegram import Update
from telegram.error import TelegramError

from bot.context import Context
from bot.texts import normalise_language, t

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Logs any unhandled error and tells the person, in their language, that nothing is lost."""
    log.error("Error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    language = await _language(update, context)
    busy = isinstance(context.error, DBAPIError | PoolTimeout | OSError)
    text = t(language, "common.database_busy" if busy else "common.generic_error")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError:
        log.warning("Could not tell chat %s about the error", update.effective_chat.id)


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
