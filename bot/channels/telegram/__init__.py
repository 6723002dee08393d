"""The Telegram channel: PTB updates to the conversation's events, replies to Bot API calls."""
