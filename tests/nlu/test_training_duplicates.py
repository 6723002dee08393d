"""The training data holds no duplicates and no near-duplicates.

An example that is another one with a character changed, the platform swapped or the
punctuation altered teaches the model nothing new but weighs its phrasing twice, and it makes
cross-validation look better than the model is.

- Exact duplicates after normalisation (tests/nlu/similarity.py: entity values masked,
  full-width folded, case folded, punctuation, spaces and emoji dropped) are refused across
  all intents: inside one intent they are redundant, across two they contradict each other.
- Near-duplicates are refused inside one intent: a normalised edit similarity of 0.9 or more,
  that is at most one character in ten differs (one edit in a 10-19 character message, two in
  a 20-29 character one...). Across intents, near-identical pairs are minimal contrasts the
  taxonomy needs (是这样的 / 不是这样的, correct / incorrect) and are kept.
"""

from __future__ import annotations

from pathlib import Path

from tests.nlu.scoring import load_examples
from tests.nlu.similarity import comparison_key, exact_groups, similar_pairs, similarity

PROJECT = Path(__file__).resolve().parents[2]
TRAINING_FILES = ("complaints", "conversation", "faq")
NEAR_DUPLICATE = 0.9


def training_examples() -> list[tuple[str, str]]:
    return [
        example
        for name in TRAINING_FILES
        for example in load_examples(PROJECT / "nlu" / f"{name}.yml")
    ]


def test_no_example_is_repeated_after_normalisation() -> None:
    examples = training_examples()
    groups = exact_groups(comparison_key(text) for text, _ in examples)
    repeated = [
        " | ".join(f"{examples[i][1]}: {examples[i][0]}" for i in members)
        for members in groups.values()
    ]
    assert repeated == []


def test_no_two_examples_of_an_intent_are_near_duplicates() -> None:
    examples = training_examples()
    keys = [comparison_key(text) for text, _ in examples]
    near = [
        f"{alike:.2f} {examples[i][1]}: {examples[i][0]} | {examples[j][0]}"
        for i, j, alike in similar_pairs(keys, NEAR_DUPLICATE)
        if examples[i][1] == examples[j][1] and keys[i] != keys[j]
    ]
    assert near == []


def test_the_comparison_sees_through_surface_changes() -> None:
    assert comparison_key("在[淘宝](platform)买的杯子碎了！！") == comparison_key(
        "在[京东](platform)买的杯子碎了"
    )
    assert comparison_key("ＴＨＡＮＫＳ 😊") == comparison_key("thanks")
    one_edit_in_ten = ("杯子收到的时候就是碎的", "杯子收到的时候就是裂的")
    assert similarity(*map(comparison_key, one_edit_in_ten)) >= NEAR_DUPLICATE
    assert similarity(comparison_key("不是这样的"), comparison_key("不是这样")) < NEAR_DUPLICATE


def test_near_duplicates_are_found_among_many_keys() -> None:
    keys = [
        "收到的杯子是碎的而且没有包装",
        "收到的杯子是裂的而且没有包装",
        "物流三天没更新",
        "完全不同",
    ]
    found = [(i, j) for i, j, _ in similar_pairs(keys, NEAR_DUPLICATE)]
    assert found == [(0, 1)]
