"""When a typed answer means "cancel": the words themselves, or the model's cancel intent.

Cancel means cancel at every question the bot asks: typed while a question is open, these
words drop it exactly like /cancel, instead of becoming its answer.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from bot.nlu import NluResult, NluUnavailable

CANCEL_INTENT = "cancel"
CANCEL_CONFIDENCE = 0.8
# Longer texts are answers (a description, a comment, a reason) even when they say "stop".
MAX_CANCEL_CHARS = 24
CANCEL_WORDS = frozenset(
    {"取消", "算了", "不用了", "放弃", "退出", "撤销", "cancel", "stop", "abort", "quit"}
)
_EDGES = re.compile(r"^[\s\W_]+|[\s\W_]+$")


def is_cancel_word(text: str) -> bool:
    """One of the cancel words, whatever punctuation or case surrounds it."""
    return _EDGES.sub("", text).lower() in CANCEL_WORDS


def is_cancel(text: str, nlu: NluResult | NluUnavailable | None) -> bool:
    """Whether a short typed text asks to cancel (the model understood it so, confidently)."""
    if len(text.strip()) > MAX_CANCEL_CHARS:
        return False
    if is_cancel_word(text):
        return True
    return (
        isinstance(nlu, NluResult)
        and nlu.intent == CANCEL_INTENT
        and nlu.confidence >= CANCEL_CONFIDENCE
    )


async def asks_to_cancel(
    text: str, parse: Callable[[str], Awaitable[NluResult | NluUnavailable]]
) -> bool:
    """Like `is_cancel`, asking the model only about texts short enough to be a cancel."""
    if len(text.strip()) > MAX_CANCEL_CHARS:
        return False
    return is_cancel_word(text) or is_cancel(text, await parse(text))
