"""The offer of a dossier, made with the outside-channels advice when a buyer rates a result
poorly or wants to escalate (both show `unhappy_choices`)."""

from __future__ import annotations

from bot.texts import t


def with_dossier_offer(advice: str, number: str, language: str) -> str:
    """The outside-channels advice followed by how to get the dossier and the evidence ZIP."""
    return f"{advice}\n\n{t(language, 'dossier.offer', number=number)}"
