"""The web chat: a page, a widget script and a WebSocket, served in the bot's event loop."""
