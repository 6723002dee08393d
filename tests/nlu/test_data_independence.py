"""The evaluation and development sets stay apart from the training data.

No message of either set appears in the training data, not even after normalisation (entity
values masked, width, case, punctuation, spaces and emoji ignored: tests/nlu/similarity.py),
and no message of either development set is a near-duplicate (edit similarity 0.9 or more)
of a training example, whatever the intents; the three held-out sets share no message.
"""

import re
from itertools import combinations
from pathlib import Path

import pytest

from tests.nlu.scoring import load_examples
from tests.nlu.similarity import comparison_key, keys_of, similar_pairs

PROJECT = Path(__file__).resolve().parents[2]
ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")
EVALUATION = PROJECT / "tests/data/nlu_eval.yml"
DEVELOPMENT = PROJECT / "tests/data/nlu_dev.yml"
DEVELOPMENT2 = PROJECT / "tests/data/nlu_dev2.yml"  # the second, harder development set
DEVELOPMENT3 = PROJECT / "tests/data/nlu_dev3.yml"  # the third, in the outside evaluation's mix
DEVELOPMENT_SETS = (DEVELOPMENT, DEVELOPMENT2, DEVELOPMENT3)
NEAR_DUPLICATE = 0.9


def normalised(text: str) -> str:
    return ANNOTATION.sub(r"\1", text).lower().rstrip("?？!！。. ")


def training_texts() -> list[str]:
    return [
        text
        for name in ("complaints", "conversation", "faq")
        for text, _ in load_examples(PROJECT / "nlu" / f"{name}.yml")
    ]


def test_no_evaluation_message_is_in_the_training_data() -> None:
    evaluation = {normalised(t) for t, _ in load_examples(EVALUATION)}
    training = {normalised(t) for t in training_texts()}
    assert sorted(evaluation & training) == []


def test_no_held_out_message_is_in_the_training_data_even_normalised() -> None:
    training = {key for text in training_texts() for key in keys_of(text)}
    for path in (*DEVELOPMENT_SETS, EVALUATION):
        assert [text for text, _ in load_examples(path) if keys_of(text) & training] == []


@pytest.mark.parametrize("path", DEVELOPMENT_SETS, ids=lambda p: p.name)
def test_no_development_message_is_a_near_duplicate_of_a_training_example(path: Path) -> None:
    development = [comparison_key(t) for t, _ in load_examples(path)]
    keys = development + [comparison_key(t) for t in training_texts()]
    near = [
        f"{alike:.2f} {keys[i]!r} ~ {keys[j]!r}"
        for i, j, alike in similar_pairs(keys, NEAR_DUPLICATE)
        if i < len(development) <= j and keys[i] != keys[j]  # equal keys: the test above
    ]
    assert near == []


@pytest.mark.parametrize(
    ("first", "second"),
    list(combinations((*DEVELOPMENT_SETS, EVALUATION), 2)),
    ids=lambda p: p.name,
)
def test_the_held_out_sets_share_no_message(first: Path, second: Path) -> None:
    development = {comparison_key(t) for t, _ in load_examples(first)}
    evaluation = {comparison_key(t): t for t, _ in load_examples(second)}
    assert sorted(evaluation[key] for key in evaluation.keys() & development) == []


@pytest.mark.parametrize("path", DEVELOPMENT_SETS, ids=lambda p: p.name)
def test_the_development_set_is_large_and_covers_every_intent(path: Path) -> None:
    development = load_examples(path)
    trained = {intent for _, intent in load_examples(PROJECT / "nlu" / "complaints.yml")}
    trained |= {intent for _, intent in load_examples(PROJECT / "nlu" / "conversation.yml")}
    assert len(development) >= 400
    assert trained <= {intent for _, intent in development}
