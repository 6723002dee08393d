"""Normalises a buyer's message before it is tokenised; needs OpenCC, not Rasa.

    normalise("淘寶買的ＸＬ號衣服！！！😡😡😡") == "淘宝买的XL号衣服! 😡"

In this order:
1. NFKC: full-width letters, digits and punctuation become half-width (ＸＬ→XL, １２３→123,
   ！→!, ，→,), compatibility forms are unfolded (…→..., ①→1, ℃→°C).
2. Traditional characters become simplified ones (OpenCC `t2s`: 淘寶→淘宝, 發貨→发货).
3. Emoji: zero-width joiners, variation selectors and skin tones are dropped, a run of the
   same emoji is kept once, and each emoji stands apart between spaces, so it never glues to
   a word and a row of 😡😡😡😡 does not outweigh the words. A message that is only an emoji
   (👍, 🙏) keeps it: it is the whole signal.
4. A run of punctuation keeps each mark once, in order (!!!→!, ？？！！→?!, ......→.).
5. A letter repeated more than three times is cut to three (sooooo→sooo, 啊啊啊啊啊→啊啊啊);
   digits are never touched (order numbers hold runs of zeros).
6. Whitespace runs become one space; the ends are trimmed.

Case is kept by default: the entity patterns tell "RED" (Xiaohongshu) from "a red dress"
and read ticket numbers as "TS-…"; the featurisers fold case themselves
(CountVectorsFeaturizer lowercases). `fold_case=True` folds it here too.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")
_REPEATED_LETTER = re.compile(r"([^\W\d_])\1{3,}")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def is_emoji(char: str) -> bool:
    """Pictographs, dingbats, flags' letters and other symbols: category So from the arrows
    block on (the Latin-1 signs such as ° and © stay text)."""
    return char >= "\u2190" and unicodedata.category(char) == "So"


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


def _separate_emoji(text: str) -> str:
    out: list[str] = []
    previous_emoji = ""
    for char in text:
        if is_emoji(char):
            if char != previous_emoji:
                out.append(f" {char} ")
            previous_emoji = char
        else:
            if not char.isspace():
                previous_emoji = ""
            out.append(char)
    return "".join(out)


def _collapse_punctuation(text: str) -> str:
    out: list[str] = []
    run: list[str] = []
    for char in text + "\n":
        if _is_punctuation(char):
            if char not in run:
                run.append(char)
            continue
        out.extend(run)
        run = []
        out.append(char)
    return "".join(out[:-1])


def normalise(text: str, *, fold_case: bool = False) -> str:
    """The message as the tokeniser should see it (see the module's docstring)."""
    text = unicodedata.normalize("NFKC", text)
    text = _converter().convert(text)
    text = _INVISIBLE.sub("", text)
    text = _separate_emoji(text)
    text = _collapse_punctuation(text)
    text = _REPEATED_LETTER.sub(r"\1\1\1", text)
    if fold_case:
        text = text.casefold()
    return _SPACES.sub(" ", text).strip()


def normalise_spans(
    text: str, spans: list[tuple[int, int]], *, fold_case: bool = False
) -> tuple[str, list[tuple[int, int]]]:
    """Normalises a text whose (start, end) spans (entity annotations) must stay aligned.

    The pieces between span boundaries are normalised one by one, so each span still covers
    its own (normalised) words; spaces are then kept only where the pieces need them.
    """
    cuts = sorted({0, len(text), *(i for span in spans for i in span)})
    pieces = [
        normalise(text[a:b], fold_case=fold_case) for a, b in zip(cuts, cuts[1:], strict=False)
    ]
    before: dict[int, int] = {}  # where the text before a cut ends
    after: dict[int, int] = {}  # where the text after a cut starts
    out = ""
    for cut, piece in zip(cuts, pieces, strict=False):
        before[cut] = len(out)
        if piece and out and text[cut - 1 : cut + 1].strip() != text[cut - 1 : cut + 1]:
            out += " "  # a space stood at this boundary in the original
        after[cut] = len(out)
        out += piece
    before[len(text)] = after[len(text)] = len(out)
    return out, [(after[a], before[b]) for a, b in spans]
