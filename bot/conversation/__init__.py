"""The buyer's conversation, whatever the channel: incoming events in, replies out.

`bot.conversation.core.handle` is the one entry point; the Telegram adapter
(`bot.channels.telegram`) and the web chat (`bot.channels.web`) translate to and from it.
"""
