"""How alike two NLU examples are, for the duplicate and overlap tests.

Texts are compared by a comparison key: entity annotations are replaced by one placeholder
character (so swapping the platform or the order number does not make a new example),
then NFKC (full-width to half-width), case folding, and everything but letters and digits
dropped (punctuation, spaces, emoji). Similarity is the normalised edit similarity
1 - levenshtein(a, b) / max(len(a), len(b)).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")
ENTITY = "\x00"


def comparison_key(text: str) -> str:
    text = ANNOTATION.sub(ENTITY, text)
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch == ENTITY or unicodedata.category(ch)[0] in "LN")


def unmasked_key(text: str) -> str:
    """The comparison key with the annotated words kept instead of masked."""
    return comparison_key(ANNOTATION.sub(r"\1", text))


def keys_of(text: str) -> set[str]:
    """Both keys: an annotated example matches a held-out message with or without them."""
    return {comparison_key(text), unmasked_key(text)}


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def similarity(a: str, b: str) -> float:
    """1.0 for equal keys, 0.0 for keys with nothing in common."""
    if not a and not b:
        return 1.0
    return 1 - levenshtein(a, b) / max(len(a), len(b))


def _trigrams(key: str) -> set[str]:
    return {key[i : i + 3] for i in range(max(1, len(key) - 2))}


def similar_pairs(keys: list[str], threshold: float) -> Iterator[tuple[int, int, float]]:
    """(i, j, similarity) for every pair i < j of keys at least `threshold` alike.

    Only pairs sharing a character trigram are compared. From 0.9 up that misses nothing: two
    keys shorter than 10 characters are that alike only when equal, and between longer ones
    at most one edit per 10 characters removes at most 3 of the longer key's trigrams per edit.
    """
    assert threshold >= 0.9
    grams = [_trigrams(key) for key in keys]
    index: dict[str, list[int]] = defaultdict(list)
    for position, key_grams in enumerate(grams):
        for gram in key_grams:
            index[gram].append(position)
    shared: Counter[tuple[int, int]] = Counter()
    for members in index.values():
        for x, i in enumerate(members):
            shared.update((i, j) for j in members[x + 1 :])
    for (i, j), common in sorted(shared.items()):
        a, b = keys[i], keys[j]
        longer, shorter = max(len(a), len(b)), min(len(a), len(b))
        if shorter < threshold * longer:
            continue  # the length difference alone puts them below the threshold
        edits = int((1 - threshold) * longer + 1e-9)
        if common < len(grams[i] if len(a) >= len(b) else grams[j]) - 3 * edits:
            continue  # too few trigrams in common for so few edits
        alike = similarity(a, b)
        if alike >= threshold:
            yield i, j, alike


def exact_groups(keys: Iterable[str]) -> dict[str, list[int]]:
    """Positions of keys that occur more than once."""
    groups: dict[str, list[int]] = defaultdict(list)
    for position, key in enumerate(keys):
        groups[key].append(position)
    return {key: members for key, members in groups.items() if len(members) > 1}
