"""The durable inbox: every Telegram update is stored before Telegram is told it arrived,
handled in order per chat, and marked done once handled; a restart resumes what was not."""
