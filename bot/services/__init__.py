"""Business use cases on top of storage; each call is one transaction, no Telegram inside."""
