"""Finding and masking mainland mobile and ID-card numbers in free text."""

from __future__ import annotations

import re

# 18-digit resident ID: 6-digit area, birth date, 3-digit sequence, check digit (0-9 or X).
ID_CARD = re.compile(
    r"(?<![0-9A-Za-z])(\d{6})(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}([\dXx])"
    r"(?![0-9A-Za-z])"
)
MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)")
# Order numbers (and any other long run of digits: bank cards, tracking numbers): 8 or more
# digits, a dash allowed inside (Pinduoduo's 231121-123456789012345).
LONG_NUMBER = re.compile(r"(?<!\d)\d(?:-?\d){7,}(?!\d)")


def contains_personal_numbers(text: str) -> bool:
    """True when the text holds a full mobile number or ID-card number."""
    return bool(MOBILE.search(text) or ID_CARD.search(text))


def mask_personal_numbers(text: str) -> str:
    """Keeps the first and last digits only: 138****5678, 110101********123X."""
    text = ID_CARD.sub(lambda m: f"{m.group(1)}********{m.group(0)[-4:]}", text)
    return MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def mask_all_numbers(text: str) -> str:
    """Masks ID-card and mobile numbers as above, then order numbers and other long numbers
    down to their first and last two digits (40***************67), for text shared beyond
    the agents, such as training data."""
    text = mask_personal_numbers(text)
    return LONG_NUMBER.sub(
        lambda m: m.group(0)[:2] + "*" * (len(m.group(0)) - 4) + m.group(0)[-2:], text
    )
