"""The buyer's channels: Telegram and the web chat, each translating to and from the core."""
