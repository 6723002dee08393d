"""Telegram's answers that mean a topic or a message is gone (someone deleted it), as the
Bot API words them: the bot recreates what is gone instead of dropping what it was sending."""

from __future__ import annotations

from telegram.error import BadRequest, TelegramError

# A topic deleted (in a forum or in a private chat with the bot), or one Telegram no longer
# finds (a forum past about a million messages: tdlib/telegram-bot-api#596, #693).
THREAD_GONE = ("message thread not found", "topic_deleted", "topic_id_invalid")
# The message to edit was deleted (a ticket's card).
MESSAGE_GONE = ("message to edit not found",)
# An edit that would show what the message already shows.
NOT_MODIFIED = ("message is not modified",)


def _says(error: TelegramError, texts: tuple[str, ...]) -> bool:
    return isinstance(error, BadRequest) and any(text in error.message.lower() for text in texts)


def thread_gone(error: TelegramError) -> bool:
    """The topic a message was sent to does not exist any more."""
    return _says(error, THREAD_GONE)


def card_gone(error: TelegramError) -> bool:
    """The message to edit does not exist any more."""
    return _says(error, MESSAGE_GONE)


def not_modified(error: Exception) -> bool:
    """The edit changed nothing: the message already shows it."""
    return isinstance(error, TelegramError) and _says(error, NOT_MODIFIED)
