"""Message entities as Telegram counts them: UTF-16 offsets, detection, trimming."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class EntityParseError(ValueError):
    """The text could not be parsed; str(error) is the part after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


@dataclass
class TextBuilder:
    """Accumulates the plain text and its UTF-16 length while a parser runs."""

    parts: list[str] = field(default_factory=list)
    u16: int = 0

    def add(self, piece: str) -> None:
        self.parts.append(piece)
        self.u16 += utf16_len(piece)

    def text(self) -> str:
        return "".join(self.parts)


def make_entity(kind: str, offset: int, length: int, **extra: object) -> dict:
    return {"type": kind, "offset": offset, "length": length, **extra}


def link_entity(url: str, offset: int, length: int) -> dict | None:
    url = url.strip()
    if not url:
        return None
    match = re.fullmatch(r"tg://user\?id=(\d+)", url)
    if match:
        user = {"id": int(match.group(1)), "is_bot": False, "first_name": ""}
        return make_entity("text_mention", offset, length, user=user)
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url):
        url = "http://" + url
    return make_entity("text_link", offset, length, url=url)


def sort_entities(entities: list[dict]) -> list[dict]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


_DETECTORS = (
    (
        "bot_command",
        re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])"),
    ),
    ("url", re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")),
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{2,32}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d_]\w*")),
)


def detect_entities(text: str, existing: list[dict] | None = None) -> list[dict]:
    """Entities Telegram finds by itself (commands, URLs, e-mails, mentions, hashtags).

    Detected entities overlapping any entity in ``existing`` or an earlier detection are skipped.
    """
    taken: list[tuple[int, int]] = [
        (e["offset"], e["offset"] + e["length"]) for e in existing or []
    ]
    found: list[dict] = []
    for kind, pattern in _DETECTORS:
        for match in pattern.finditer(text):
            start = utf16_len(text[: match.start()])
            end = start + utf16_len(match.group())
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            found.append(make_entity(kind, start, end - start))
    return found


def trim(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Strip leading and trailing whitespace as Telegram does, moving and clipping entities."""
    stripped_left = text.lstrip()
    shift = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip()
    total = utf16_len(result)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return result, kept
