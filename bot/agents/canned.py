"""Canned answers from a TOML file the operator edits; read at each use, so edits apply
without a restart."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

log = logging.getLogger(__name__)


def load_canned(path: Path) -> dict[str, dict[str, str]]:
    """name -> {language: text}; an unreadable file reads as no answers (and is logged)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        log.warning("Canned answers unavailable (%s): %s", path, error)
        return {}
    return {
        name: {lang: str(text) for lang, text in texts.items()}
        for name, texts in data.items()
        if isinstance(texts, dict)
    }


def canned_text(answers: dict[str, dict[str, str]], name: str, language: str) -> str | None:
    texts = answers.get(name)
    if not texts:
        return None
    return texts.get(language) or texts.get("zh") or next(iter(texts.values()))
