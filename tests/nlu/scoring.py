"""Per-intent precision, recall and F1, macro-F1 and confusions, without scikit-learn."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class IntentScore:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int


def load_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs from a Rasa NLU YAML file; retrieval intents keep their base name."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    pairs = []
    for block in data["nlu"]:
        for line in block["examples"].splitlines():
            text = line.strip().removeprefix("- ").strip()
            if text:
                pairs.append((text, block["intent"].split("/")[0]))
    return pairs


def score(gold: list[str], predicted: list[str]) -> list[IntentScore]:
    """Scores for every intent of the gold labels, in name order."""
    true_pos = Counter(g for g, p in zip(gold, predicted, strict=True) if g == p)
    gold_count, predicted_count = Counter(gold), Counter(predicted)
    scores = []
    for intent in sorted(gold_count):
        tp = true_pos[intent]
        precision = tp / predicted_count[intent] if predicted_count[intent] else 0.0
        recall = tp / gold_count[intent]
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(IntentScore(intent, precision, recall, f1, gold_count[intent]))
    return scores


def macro_f1(scores: list[IntentScore]) -> float:
    return sum(s.f1 for s in scores) / len(scores)


def confusions(gold: list[str], predicted: list[str], top: int = 8) -> list[tuple[str, str, int]]:
    """The most frequent (gold, predicted) mistakes."""
    pairs = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
    return [(g, p, n) for (g, p), n in pairs.most_common(top)]


def report(scores: list[IntentScore], mistakes: list[tuple[str, str, int]]) -> str:
    lines = [f"{'intent':<20} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>4}"]
    lines += [
        f"{s.intent:<20} {s.precision:6.2f} {s.recall:6.2f} {s.f1:6.2f} {s.support:4d}"
        for s in scores
    ]
    lines.append(f"macro-F1 {macro_f1(scores):.3f} over {len(scores)} intents")
    lines.append("most confused (gold -> predicted: count):")
    lines += [f"  {g} -> {p}: {n}" for g, p, n in mistakes] or ["  none"]
    return "\n".join(lines)
