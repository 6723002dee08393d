"""The compact text inside inline buttons: `action|value|token`, at most 64 bytes.

Nothing in it is trusted: handlers check the presser's rights and the draft's token
(which changes with every new draft, so buttons of an old conversation go stale).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 64
SEPARATOR = "|"


@dataclass(frozen=True, slots=True)
class ButtonData:
    action: str
    value: str = ""
    token: str = ""

    def encode(self) -> str:
        data = SEPARATOR.join((self.action, self.value, self.token)).rstrip(SEPARATOR)
        if len(data.encode()) > MAX_BYTES or any(SEPARATOR in p for p in (self.action, self.value)):
            raise ValueError(f"button data does not fit: {data!r}")
        return data


def decode(data: str | None) -> ButtonData | None:
    """The button's data, or None when it is not something this bot made."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(SEPARATOR)
    if len(parts) > 3 or not parts[0]:
        return None
    parts += [""] * (3 - len(parts))
    return ButtonData(*parts)
