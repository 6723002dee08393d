"""Turning service results into Telegram messages and keyboards."""
