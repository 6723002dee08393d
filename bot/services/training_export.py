"""Confirmed and corrected descriptions as a Rasa NLU training file, for a person to review.

Each description becomes one example line of its category: line breaks joined, personal
numbers masked (bot.privacy.mask_all_numbers), text that Rasa would read as an entity
annotation (`[x](y)`) defused. Lines that are near-duplicates of the training data already in
the repository (nlu/*.yml), or of a line exported before them, are left out: they would teach
the model nothing new and could tip it towards one buyer's wording.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import yaml

from bot.privacy import mask_all_numbers
from bot.services.corrections import LabelledDescription

NEAR_DUPLICATE = 0.9  # difflib ratio of the normalised texts
_ANNOTATION = re.compile(r"\[([^\]\n]+)\](\([^)\n]*\)|\{[^}\n]*\})")
_DEFUSE = re.compile(r"\[([^\]\n]*)\](?=[({])")
_NOT_TEXT = re.compile(r"[\W_\d]+")  # numbers differ between buyers, not wordings


def normalised(text: str) -> str:
    """What two lines are compared on: annotations resolved, width and case folded,
    punctuation, spaces, digits and masks dropped."""
    text = _ANNOTATION.sub(r"\1", text)
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text).casefold())


def example_line(description: str) -> str:
    """One description as one example line: masked, on one line, no entity markup."""
    line = " ".join(mask_all_numbers(description).split())
    return _DEFUSE.sub(r"［\1］", line)


def training_lines(folder: Path) -> list[str]:
    """Every example text of the Rasa NLU files in `folder` (version 3.1 YAML)."""
    lines: list[str] = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or ():
            examples = item.get("examples") if isinstance(item, dict) else None
            if isinstance(examples, str):
                lines += [ln.strip()[2:] for ln in examples.splitlines() if ln.strip()[:2] == "- "]
            elif isinstance(examples, list):
                lines += [e["text"] for e in examples if isinstance(e, dict) and "text" in e]
    return lines


class NearDuplicates:
    """Finds lines close to those it holds; character pairs narrow the candidates first."""

    def __init__(self, lines: Iterable[str], threshold: float = NEAR_DUPLICATE) -> None:
        self._threshold = threshold
        self._texts: list[str] = []
        self._exact: set[str] = set()
        self._by_pair: dict[str, set[int]] = defaultdict(set)
        for line in lines:
            self.add(line)

    def add(self, line: str) -> None:
        text = normalised(line)
        index = len(self._texts)
        self._texts.append(text)
        self._exact.add(text)
        for pair in _pairs(text):
            self._by_pair[pair].add(index)

    def match(self, line: str) -> str | None:
        """The held text `line` nearly repeats, or None."""
        text = normalised(line)
        if not text or text in self._exact:
            return text  # nothing but punctuation and masks, or the very same text
        pairs = _pairs(text)
        shared: Counter[int] = Counter()
        for pair in pairs:
            shared.update(self._by_pair.get(pair, ()))
        matcher = SequenceMatcher(autojunk=False)
        matcher.set_seq2(text)
        # Texts this close share most of their character pairs; those sharing fewer than
        # half are not compared character by character (it would take too long).
        needed = max(1, len(pairs) // 2)
        for index, count in shared.most_common():
            if count < needed:
                break
            matcher.set_seq1(self._texts[index])
            if matcher.real_quick_ratio() >= self._threshold and (
                matcher.quick_ratio() >= self._threshold and matcher.ratio() >= self._threshold
            ):
                return self._texts[index]
        return None


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


@dataclass(slots=True)
class Export:
    """What the file holds, by category, and how many were left out."""

    examples: dict[str, list[str]] = field(default_factory=dict)
    corrected: int = 0
    confirmed: int = 0
    left_out: int = 0

    @property
    def total(self) -> int:
        return sum(len(lines) for lines in self.examples.values())


def select_examples(
    labelled: Sequence[LabelledDescription], existing: Iterable[str], threshold: float
) -> Export:
    """The lines to export, by category in the taxonomy's order of appearance."""
    seen = NearDuplicates(existing, threshold)
    export = Export()
    for item in labelled:
        line = example_line(item.description)
        if seen.match(line) is not None:
            export.left_out += 1
            continue
        seen.add(line)
        export.examples.setdefault(item.category, []).append(line)
        if item.corrected:
            export.corrected += 1
        else:
            export.confirmed += 1
    return export


def render_yaml(export: Export, header: str) -> str:
    """The Rasa NLU file (version "3.1"), one block of examples per category."""
    parts = [*(f"# {line}" if line else "#" for line in header.splitlines()), 'version: "3.1"']
    parts.append("nlu:" if export.examples else "nlu: []")
    for category in sorted(export.examples):
        parts += [f"- intent: {category}", "  examples: |"]
        parts += [f"    - {line}" for line in export.examples[category]]
    return "\n".join(parts) + "\n"
