"""User-facing texts in Chinese (default) and English, kept in one TOML file per language."""

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
    path = Path(__file__).with_name(f"{language}.toml")
    return _flatten(tomllib.loads(path.read_text(encoding="utf-8")))


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
