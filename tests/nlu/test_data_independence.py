"""The evaluation set stays apart from the training data: no message appears in both."""

import re
from pathlib import Path

from tests.nlu.scoring import load_examples

PROJECT = Path(__file__).resolve().parents[2]
ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


def normalised(text: str) -> str:
    return ANNOTATION.sub(r"\1", text).lower().rstrip("?？!！。. ")


def test_no_evaluation_message_is_in_the_training_data() -> None:
    evaluation = {normalised(t) for t, _ in load_examples(PROJECT / "tests/data/nlu_eval.yml")}
    training = {
        normalised(t)
        for name in ("complaints", "conversation", "faq")
        for t, _ in load_examples(PROJECT / "nlu" / f"{name}.yml")
    }
    assert sorted(evaluation & training) == []
