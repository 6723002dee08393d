"""Telegram complaint-intake service: the bot, its services and texts."""
