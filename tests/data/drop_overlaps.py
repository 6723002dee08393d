"""Drops from the held-out sets every message that the training data already holds.

    .venv/bin/python -m tests.data.drop_overlaps          # rewrites the held-out files in place

Independent writers do write the same short messages (你好, bye, 已读不回), so after the
training data change some development or evaluation messages may equal a training example
after normalisation or be a near-duplicate of one (tests/nlu/similarity.py, edit similarity
0.9 or more); a development message may also equal an evaluation one, and a message of the second
development set (nlu_dev2.yml) one of the first, and one of the third (nlu_dev3.yml) one of
the other two. Such messages are
removed from the held-out file (never added to training), so that the scores measure
messages the model has not seen. tests/nlu/test_data_independence.py checks the result.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.nlu.scoring import load_examples
from tests.nlu.similarity import comparison_key, keys_of, similar_pairs

PROJECT = Path(__file__).resolve().parents[2]
DATA = PROJECT / "tests" / "data"
NEAR_DUPLICATE = 0.9
EXAMPLE_LINE = re.compile(r"^\s*- (?P<text>.+?)\s*$")


def seen_keys(keys: list[str], reference: list[str], near: bool) -> set[str]:
    """The keys equal to a reference key or (with near) a near-duplicate of one."""
    known = set(reference)
    hits = {key for key in keys if key in known}
    if near:
        everything = keys + reference
        hits |= {
            everything[i]
            for i, j, _ in similar_pairs(everything, NEAR_DUPLICATE)
            if i < len(keys) <= j
        }
    return hits


def drop(path: Path, reference: list[str], near: bool) -> int:
    """Removes the example lines of `path` whose key is seen; returns how many."""
    keys = [comparison_key(text) for text, _ in load_examples(path)]
    seen = seen_keys(keys, reference, near)
    seen |= {key for text, _ in load_examples(path) for key in keys_of(text) if key in reference}
    kept, dropped = [], 0
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        match = EXAMPLE_LINE.match(line)
        if (
            match
            and not line.lstrip().startswith("- intent")
            and comparison_key(match["text"]) in seen
        ):
            dropped += 1
            continue
        kept.append(line)
    path.write_text("".join(kept), encoding="utf-8")
    return dropped


def main() -> None:
    training = [
        key
        for name in ("complaints", "conversation", "faq")
        for text, _ in load_examples(PROJECT / "nlu" / f"{name}.yml")
        for key in keys_of(text)
    ]
    evaluation, development = DATA / "nlu_eval.yml", DATA / "nlu_dev.yml"
    print(f"{evaluation.name}: dropped {drop(evaluation, training, near=False)}")
    keys = [comparison_key(text) for text, _ in load_examples(evaluation)]
    for path in (development, DATA / "nlu_dev2.yml", DATA / "nlu_dev3.yml"):
        print(f"{path.name}: dropped {drop(path, training, near=True)}")
        print(f"{path.name}: dropped {drop(path, keys, near=False)} shared with eval")
    # the second development set also leaves out what the first one holds
    keys = [comparison_key(text) for text, _ in load_examples(development)]
    print(f"nlu_dev2.yml: dropped {drop(DATA / 'nlu_dev2.yml', keys, near=False)} shared with dev")
    # the third leaves out what the first two hold
    keys += [comparison_key(text) for text, _ in load_examples(DATA / "nlu_dev2.yml")]
    dropped = drop(DATA / "nlu_dev3.yml", keys, near=False)
    print(f"nlu_dev3.yml: dropped {dropped} shared with dev/dev2")


if __name__ == "__main__":
    main()
