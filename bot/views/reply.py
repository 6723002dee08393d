"""One message to a buyer, on any channel: text with simple formatting and optional buttons.

The text is the HTML subset Telegram accepts (<b>, <i>, <u>, <s>, <code>, <pre>, <a>,
<blockquote>), with every piece of user text escaped exactly once by the view that built it.
The buttons are the project's own (a label and the data the button sends back); each channel
turns them into what it shows (inline keyboards on Telegram, HTML buttons in the web chat).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import unescape

_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True, slots=True, init=False)
class Keyboard:
    """Rows of buttons."""

    rows: tuple[tuple[Button, ...], ...]

    def __init__(self, rows: Iterable[Sequence[Button]]) -> None:
        object.__setattr__(self, "rows", tuple(tuple(row) for row in rows))

    @property
    def buttons(self) -> list[Button]:
        return [button for row in self.rows for button in row]


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    markup: Keyboard | None = None
    # The ticket the message is about: where the channel has a thread per ticket (topics in
    # a Telegram private chat), it goes there; otherwise the channel ignores it.
    ticket: str | None = None
    # The ticket this message announces as filed: a channel with a thread per ticket opens
    # the ticket's thread right after it (the buyer reads the number first).
    opens: str | None = None


def plain_text(html: str) -> str:
    """What the person reads of HTML text: tags removed, entities decoded, trimmed. Every
    value a person wrote is escaped in our HTML, so a `<` left in it is never a tag."""
    return unescape(_TAG.sub("", html)).strip()


def shown_length(html: str) -> int:
    """How long HTML text is for Telegram's limits."""
    return len(plain_text(html))
