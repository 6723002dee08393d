"""Rasa's own responses read from domain.yml: the FAQ answers for buttons, and small talk
when the NLU server is away. One source of truth for those texts: the domain file."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from bot.nlu_model import DOMAIN, PROJECT_DIR

FAQ_KEYS = ("how_long", "evidence", "does_it_work", "outside_channels", "muted", "privacy")


@cache
def _responses(domain: Path = PROJECT_DIR / DOMAIN) -> dict[str, list[dict]]:
    return yaml.safe_load(domain.read_text(encoding="utf-8"))["responses"]


def response_text(name: str, language: str) -> str | None:
    """The variation of `name` for the language (the unconditioned one is Chinese)."""
    variations = _responses().get(name)
    if not variations:
        return None
    for variation in variations:
        for condition in variation.get("condition") or ():
            if condition.get("name") == "language" and condition.get("value") == language:
                return variation["text"]
    plain = [v for v in variations if not v.get("condition")]
    return (plain or variations)[0]["text"]


def faq_answer(key: str, language: str) -> str | None:
    return response_text(f"utter_faq/{key}", language) if key in FAQ_KEYS else None
