"""The outbox: what the bot must post to the agents' group, stored first and sent in order
by one worker (one across all processes) within Telegram's limits, retried until it goes."""
