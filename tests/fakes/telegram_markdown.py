"""Telegram's MarkdownV2 and legacy Markdown parse modes, as TDLib parses them."""

from __future__ import annotations

import re

from tests.fakes.telegram_entities import (
    EntityParseError,
    TextBuilder,
    byte_offset,
    link_entity,
    make_entity,
    sort_entities,
)

_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
_ENTITY_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "blockquote": "BlockQuote",
}


def parse_markdown_v2(text: str) -> tuple[str, list[dict]]:
    """Parse MarkdownV2 into (plain text, entities), with Telegram's errors."""
    out = TextBuilder()
    entities: list[dict] = []
    stack: list[dict] = []  # {"type", "offset", "byte", "parts", "language"}
    i, n = 0, len(text)
    have_quote = False

    def reserved_error(char: str) -> EntityParseError:
        return EntityParseError(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )

    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            i += 2
            continue
        in_code = bool(stack) and stack[-1]["type"] in ("code", "pre")
        reserved = "`" if in_code else _MDV2_RESERVED + "\n"
        if c not in reserved:
            out.add(c)
            i += 1
            continue
        top = stack[-1]["type"] if stack else None
        nxt = text[i + 1] if i + 1 < n else ""
        ends = False
        if top is not None:
            if have_quote and c == "\n" and nxt != ">":
                ends = top == "blockquote"
            elif top == "bold":
                ends = c == "*"
            elif top == "italic":
                ends = c == "_" and nxt != "_"
            elif top == "underline":
                ends = c == "_" and nxt == "_"
            elif top == "strikethrough":
                ends = c == "~"
            elif top == "spoiler":
                ends = c == "|" and nxt == "|"
            elif top == "code":
                ends = c == "`"
            elif top == "pre":
                ends = text.startswith("```", i)
            elif top in ("text_link", "custom_emoji"):
                ends = c == "]"
        if not ends:
            if c == "\n":
                out.add("\n")
                i += 1
                if i < n and text[i] == ">":
                    i += 1
                    if not have_quote:
                        have_quote = True
                        stack.append({"type": "blockquote", "offset": out.u16, "byte": i - 1})
                continue
            frame: dict = {"offset": 0, "byte": byte_offset(text, i), "parts": 0}
            if c == "_":
                if nxt == "_":
                    frame["type"] = "underline"
                    i += 1
                else:
                    frame["type"] = "italic"
            elif c == "*":
                frame["type"] = "bold"
            elif c == "~":
                frame["type"] = "strikethrough"
            elif c == "|":
                if nxt != "|":
                    raise reserved_error(c)
                frame["type"] = "spoiler"
                i += 1
            elif c == "[":
                frame["type"] = "text_link"
            elif c == "!":
                if nxt != "[":
                    raise reserved_error(c)
                frame["type"] = "custom_emoji"
                i += 1
            elif c == "`":
                if text.startswith("```", i):
                    frame["type"] = "pre"
                    i += 3
                    lang_end = i
                    while lang_end < n and not text[lang_end].isspace() and text[lang_end] != "`":
                        lang_end += 1
                    if lang_end != i and lang_end < n and text[lang_end] != "`":
                        frame["language"] = text[i:lang_end]
                        i = lang_end
                    if i < n and text[i] in "\r\n":
                        i += 2 if text[i : i + 2] in ("\r\n", "\n\r") else 1
                    i -= 1
                else:
                    frame["type"] = "code"
            elif c == ">" and i == 0:
                frame["type"] = "blockquote"
                have_quote = True
            else:
                raise reserved_error(c)
            frame["offset"] = out.u16
            frame["parts"] = len(out.parts)
            stack.append(frame)
            i += 1
            continue
        # the end of an entity
        frame = stack.pop()
        kind = frame["type"]
        extra: dict = {}
        skip = out.u16 == frame["offset"]
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind == "pre":
            i += 2
            if frame.get("language"):
                extra["language"] = frame["language"]
        elif kind == "blockquote":
            have_quote = False
            out.add("\n")
        elif kind in ("text_link", "custom_emoji"):
            if i + 1 < n and text[i + 1] == "(":
                i += 2
                url_start = i
                url_chars: list[str] = []
                while i < n and text[i] != ")":
                    if text[i] == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
                        url_chars.append(text[i + 1])
                        i += 2
                        continue
                    url_chars.append(text[i])
                    i += 1
                if i >= n:
                    what = "a custom emoji URL" if kind == "custom_emoji" else "a URL"
                    raise EntityParseError(
                        f"Can't find end of {what} at byte offset {byte_offset(text, url_start)}"
                    )
                url = "".join(url_chars)
            elif kind == "custom_emoji":
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            else:
                url = "".join(out.parts[frame["parts"] :])
            if kind == "custom_emoji":
                match = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
                if not match:
                    raise EntityParseError("Invalid custom emoji URL specified")
                extra["custom_emoji_id"] = match.group(1)
            elif not skip:
                link = link_entity(url, frame["offset"], out.u16 - frame["offset"])
                if link is not None:
                    entities.append(link)
                skip = True
        i += 1
        if not skip:
            entities.append(make_entity(kind, frame["offset"], out.u16 - frame["offset"], **extra))
    if stack and stack[-1]["type"] == "blockquote":
        frame = stack.pop()
        if out.u16 > frame["offset"]:
            entities.append(make_entity("blockquote", frame["offset"], out.u16 - frame["offset"]))
    if stack:
        frame = stack[-1]
        name = _ENTITY_NAMES.get(frame["type"], frame["type"])
        if frame["type"] == "pre" and frame.get("language"):
            name = "PreCode"
        raise EntityParseError(f"Can't find end of {name} entity at byte offset {frame['byte']}")
    return out.text(), sort_entities(entities)


# ---------------------------------------------------------------------------------------------
# Markdown (legacy)


def parse_markdown(text: str) -> tuple[str, list[dict]]:
    """Parse the legacy Markdown mode into (plain text, entities)."""
    out = TextBuilder()
    entities: list[dict] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            out.add(c)
            i += 1
            continue
        begin = i
        end_char = "]" if c == "[" else c
        i += 1
        is_pre = False
        language = ""
        if c == "`" and text.startswith("``", i):
            i += 2
            is_pre = True
            lang_end = i
            while lang_end < n and not text[lang_end].isspace() and text[lang_end] != "`":
                lang_end += 1
            if i != lang_end and lang_end < n and text[lang_end] != "`":
                language = text[i:lang_end]
                i = lang_end
            if i < n and text[i] in "\r\n":
                i += 2 if text[i : i + 2] in ("\r\n", "\n\r") else 1
        offset = out.u16
        start_parts = len(out.parts)
        while i < n and (text[i] != end_char or (is_pre and not text.startswith("```", i))):
            out.add(text[i])
            i += 1
        if i >= n:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {byte_offset(text, begin)}"
            )
        length = out.u16 - offset
        if c == "[":
            inner = "".join(out.parts[start_parts:])
            url = inner
            if i + 1 < n and text[i + 1] == "(":
                i += 2
                url_chars = []
                while i < n and text[i] != ")":
                    url_chars.append(text[i])
                    i += 1
                url = "".join(url_chars)
            if length:
                link = link_entity(url, offset, length)
                if link is not None:
                    entities.append(link)
        elif length:
            if c == "_":
                entities.append(make_entity("italic", offset, length))
            elif c == "*":
                entities.append(make_entity("bold", offset, length))
            elif is_pre:
                extra = {"language": language} if language else {}
                entities.append(make_entity("pre", offset, length, **extra))
            else:
                entities.append(make_entity("code", offset, length))
        i += 3 if is_pre else 1
    return out.text(), sort_entities(entities)
