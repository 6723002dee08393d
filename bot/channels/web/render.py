"""Replies as the web page shows them: the text's simple formatting as a list of parts.

The page never parses HTML: it builds elements from these parts and sets each part's text
with `textContent`, so text a person wrote cannot become markup there. Tags other than
Telegram's formatting ones are dropped, their text kept.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlparse

from bot.views.reply import Reply

STYLES = {
    "b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "ins": "u",
    "s": "s", "strike": "s", "del": "s", "code": "code", "pre": "pre",
    "blockquote": "quote", "tg-spoiler": "spoiler",
}  # fmt: skip


class _Parts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[dict[str, Any]] = []
        self._open: list[tuple[str, str | None]] = []  # (tag, style or None)
        self._href: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self._href.append(href if urlparse(href).scheme in ("http", "https") else None)
            return
        self._open.append((tag, STYLES.get(tag)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            if self._href:
                self._href.pop()
            return
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index]
                return

    def handle_data(self, data: str) -> None:
        if not data:
            return
        part: dict[str, Any] = {"text": data}
        styles = sorted({style for _, style in self._open if style})
        if styles:
            part["style"] = styles
        href = next((h for h in reversed(self._href) if h), None)
        if href:
            part["href"] = href
        self.parts.append(part)


def parts_of(html: str) -> list[dict[str, Any]]:
    parser = _Parts()
    parser.feed(html)
    parser.close()
    return parser.parts


def payload_of(reply: Reply, author: str = "bot") -> dict[str, Any]:
    payload: dict[str, Any] = {"from": author, "parts": parts_of(reply.text)}
    if reply.markup is not None:
        payload["buttons"] = [
            [{"label": b.label, "data": b.data} for b in row] for row in reply.markup.rows
        ]
    return payload
