"""The evidence store: every file sent for a ticket, kept by its SHA-256 beyond Telegram's ids."""
