"""Text formatting as the Bot API applies it: parse modes, entities, trimming and limits.

The parsers follow the behaviour of TDLib (which the Bot API server uses): the same accepted
syntax, the same UTF-16 entity offsets and the same wording of errors ("... at byte offset N").

One deliberate difference, on by default (``strict=True``): in HTML a bare ``&`` or ``>`` is an
error. Telegram itself keeps them as literal characters, but a test can only prove that user text
was escaped if unescaped text fails loudly, so the fake is stricter than Telegram there.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.fakes.telegram_entities import (
    EntityParseError,
    TextBuilder,
    byte_offset,
    detect_entities,
    link_entity,
    make_entity,
    sort_entities,
    trim,
    utf16_len,
)
from tests.fakes.telegram_markdown import parse_markdown, parse_markdown_v2

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

_HTML_TAGS = frozenset(
    "a b strong i em s strike del u ins tg-spoiler tg-emoji span pre code blockquote".split()
)

__all__ = [
    "EntityParseError",
    "format_text",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "utf16_len",
]


# ---------------------------------------------------------------------------------------------
# HTML


def _decode_html_entity(text: str, pos: int, strict: bool) -> tuple[str | None, int]:
    """Decode the character reference at text[pos] == "&"; returns (char or None, next index)."""
    end = pos + 1
    n = len(text)
    if end < n and text[end] == "#":
        end += 1
        hexa = end < n and text[end] in "xX"
        if hexa:
            end += 1
        start = end
        digits = "0123456789abcdefABCDEF" if hexa else "0123456789"
        while end < n and text[end] in digits:
            end += 1
        if end == start or end - pos >= 10:
            return None, pos
        code = int(text[start:end], 16 if hexa else 10)
        if code == 0 or code >= 0x10FFFF:
            return None, pos
        char = chr(code)
    else:
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        char = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(text[pos + 1 : end])
        if char is None:
            return None, pos
    if end < n and text[end] == ";":
        return char, end + 1
    if strict:
        return None, pos
    return char, end


def parse_html(text: str, *, strict: bool = True) -> tuple[str, list[dict]]:
    """Parse Telegram's HTML into (plain text, entities)."""
    out = TextBuilder()
    entities: list[dict] = []
    stack: list[tuple[str, str, int, int]] = []  # tag, argument, utf16 offset, len(parts)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "&":
            char, nxt = _decode_html_entity(text, i, strict)
            if char is not None:
                out.add(char)
                i = nxt
                continue
            if strict:
                raise EntityParseError(
                    f'Unescaped "&" at byte offset {byte_offset(text, i)}; write it as &amp;'
                )
        if c == ">" and strict:
            raise EntityParseError(
                f'Unescaped ">" at byte offset {byte_offset(text, i)}; write it as &gt;'
            )
        if c != "<":
            out.add(c)
            i += 1
            continue
        begin = i
        i += 1
        if i >= n or text[i] != "/":
            while i < n and not text[i].isspace() and text[i] != ">":
                i += 1
            if i >= n:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {byte_offset(text, begin)}"
                )
            tag = text[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise EntityParseError(
                    f'Unsupported start tag "{tag}" at byte offset {byte_offset(text, begin)}'
                )
            argument, i = _parse_html_attributes(text, i, tag, begin)
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    'Tag "span" must have class "tg-spoiler" at byte offset '
                    f"{byte_offset(text, begin)}"
                )
            stack.append((tag, argument, out.u16, len(out.parts)))
            i += 1  # the '>'
            continue
        # an end tag
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {byte_offset(text, begin)}")
        j = i + 1
        while j < n and not text[j].isspace() and text[j] != ">":
            j += 1
        end_name = text[i + 1 : j].lower()
        while j < n and text[j].isspace():
            j += 1
        if j >= n or text[j] != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {byte_offset(text, begin)}")
        tag, argument, offset, parts_at = stack.pop()
        if end_name and end_name != tag:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {byte_offset(text, begin)}, "
                f'expected "</{tag}>", found "</{end_name}>"'
            )
        i = j + 1
        length = out.u16 - offset
        if length > 0:
            inner = "".join(out.parts[parts_at:])
            entity = _html_entity(tag, argument, offset, length, inner, entities)
            if entity is not None:
                entities.append(entity)
    if stack:
        raise EntityParseError(f"Can't find end tag corresponding to start tag {stack[-1][0]}")
    for entity in entities:
        entity.pop("_language", None)
    return out.text(), sort_entities(entities)


def _parse_html_attributes(text: str, i: int, tag: str, begin: int) -> tuple[str, int]:
    """Read the attributes of a start tag from text[i]; returns (argument, index of '>')."""
    n = len(text)
    argument = ""
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(text, begin)}")
        if text[i] == ">":
            return argument, i
        name_start = i
        while i < n and not text[i].isspace() and text[i] not in "=>":
            i += 1
        name = text[name_start:i]
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {byte_offset(text, begin)}'
            )
        while i < n and text[i].isspace():
            i += 1
        if tag == "blockquote" and name == "expandable" and (i >= n or text[i] != "="):
            argument = "expandable"
            continue
        if i >= n or text[i] != "=":
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {byte_offset(text, begin)}"
            )
        i += 1
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(
                f'Unclosed start tag "{tag}" at byte offset {byte_offset(text, begin)}'
            )
        if text[i] in "'\"":
            quote = text[i]
            i += 1
            chars: list[str] = []
            while i < n and text[i] != quote:
                if text[i] == "&":
                    char, nxt = _decode_html_entity(text, i, strict=False)
                    if char is not None:
                        chars.append(char)
                        i = nxt
                        continue
                chars.append(text[i])
                i += 1
            if i < n:
                i += 1
            value = "".join(chars)
        else:
            start = i
            while i < n and (text[i].isalnum() or text[i] in ".-"):
                i += 1
            value = text[start:i].lower()
            if i < n and not text[i].isspace() and text[i] != ">":
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {byte_offset(text, start)}"
                )
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(text, begin)}")
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[3:]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value


def _html_entity(
    tag: str, argument: str, offset: int, length: int, inner: str, entities: list[dict]
) -> dict | None:
    simple = {
        "b": "bold",
        "strong": "bold",
        "i": "italic",
        "em": "italic",
        "u": "underline",
        "ins": "underline",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "tg-spoiler": "spoiler",
        "span": "spoiler",
    }
    if tag in simple:
        return make_entity(simple[tag], offset, length)
    if tag == "blockquote":
        kind = "expandable_blockquote" if argument == "expandable" else "blockquote"
        return make_entity(kind, offset, length)
    if tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        return make_entity("custom_emoji", offset, length, custom_emoji_id=argument)
    if tag == "a":
        return link_entity(argument or inner, offset, length)
    last = entities[-1] if entities else None
    same_span = last is not None and (last["offset"], last["length"]) == (offset, length)
    if tag == "code":
        if argument and same_span and last["type"] == "pre":
            last["language"] = argument
            return None
        extra = {"_language": argument} if argument else {}
        return make_entity("code", offset, length, **extra)
    if tag == "pre":
        if same_span and last["type"] == "code" and last.get("_language"):
            language = last.pop("_language")
            last.update(type="pre", language=language)
            return None
        return make_entity("pre", offset, length)
    return None


@dataclass
class FormattedText:
    text: str
    entities: list[dict]


def format_text(
    text: str | None,
    parse_mode: str | None,
    entities: list[dict] | None,
    *,
    strict_html: bool = True,
) -> FormattedText:
    """Apply parse_mode (or the given entities), trim, and add the entities Telegram detects.

    Raises ValueError with the Bot API description (without "Bad Request: ") on failure.
    """
    text = "" if text is None else str(text)
    mode = (parse_mode or "").strip()
    if entities:
        parsed = text, [dict(e) for e in entities]
    elif not mode:
        parsed = text, []
    else:
        lowered = mode.lower()
        try:
            if lowered == "html":
                parsed = parse_html(text, strict=strict_html)
            elif lowered == "markdownv2":
                parsed = parse_markdown_v2(text)
            elif lowered == "markdown":
                parsed = parse_markdown(text)
            else:
                raise ValueError("unsupported parse_mode")
        except EntityParseError as error:
            raise ValueError(f"can't parse entities: {error}") from error
    plain, found = trim(*parsed)
    return FormattedText(plain, sort_entities(found + detect_entities(plain, found)))
