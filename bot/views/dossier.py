"""The offer of a dossier, made when a buyer escalates or rates a result poorly."""

from __future__ import annotations

from bot.texts import t
from bot.views.reply import Reply


def dossier_offer(number: str, language: str) -> Reply:
    """How to get the dossier (PDF) and the evidence ZIP for the outside channels."""
    return Reply(t(language, "dossier.offer", number=number))
