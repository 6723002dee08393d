"""User-facing texts in Chinese (default) and English.

Each language has a main file (`zh.toml`, `en.toml`) and may have feature files in a folder of
its own (`zh/web.toml`, `en/web.toml`), so that features do not all edit one file. A key defined
twice is an error, not a silent override.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@cache
def catalogue(language: str) -> dict[str, str]:
    """All texts of one language, keyed like `intake.ask_order`."""
    here = Path(__file__).parent
    return load_texts([here / f"{language}.toml", *sorted((here / language).glob("*.toml"))])


def load_texts(paths: list[Path]) -> dict[str, str]:
    """The texts of several TOML files as one flat table; a key in two files is an error."""
    merged: dict[str, str] = {}
    for path in paths:
        texts = _flatten(tomllib.loads(path.read_text(encoding="utf-8")))
        twice = merged.keys() & texts.keys()
        if twice:
            raise ValueError(f"{path.name} defines texts already defined: {sorted(twice)}")
        merged.update(texts)
    return merged


def normalise_language(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Maps a Telegram language_code to zh or en: Chinese stays Chinese, others read English."""
    if not code:
        return default
    code = code.lower()
    if code.startswith("zh"):
        return "zh"
    return "en"


def t(language: str, key: str, **values: object) -> str:
    """The text `key` in `language`, with `values` filled in (already escaped by the caller)."""
    texts = catalogue(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    return texts[key].format(**values) if values else texts[key]
