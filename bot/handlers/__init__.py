"""Thin Telegram handlers: updates in, service calls, messages out."""
