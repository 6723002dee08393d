"""The bot's HTTP server: Telegram's webhook, and whatever other routes the service serves."""
