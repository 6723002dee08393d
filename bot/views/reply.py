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


def plain_text(html: str) -> str:
    """What the person reads of HTML text: tags removed, entities decoded, trimmed. Every
    value a person wrote is escaped in our HTML, so a `<` left in it is never a tag."""
    return unescape(_TAG.sub("", html)).strip()


def shown_length(html: str) -> int:
    """How long HTML text is for Telegram's limits."""
    return len(plain_text(html))
