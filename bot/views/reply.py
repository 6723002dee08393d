"""One message to send: HTML text and optional inline buttons."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

from telegram import InlineKeyboardMarkup

_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    markup: InlineKeyboardMarkup | None = None


def shown_length(html: str) -> int:
    """How long HTML text is for Telegram's limits: tags removed, entities decoded, trimmed."""
    return len(unescape(_TAG.sub("", html)).strip())
