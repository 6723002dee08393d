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

The gate (LinearIntentClassifier's `dense_gate` and `dense_max_tokens`), chosen by
cross-validation of the training data only:

    .venv-nlu/bin/python nlu/feature_replay.py prod+use --gate-table --dense-c 30 \
        --gates 0.5,0.7,0.8,0.9,0.95,1.01 --max-tokens 24,32,48,64,0

For each cap (0: none) and each outer fold, the model is fitted as the classifier fits it
(sparse and dense models on all the fold's training examples, temperatures from an inner
5-fold split of them), then every gate is applied to the held-out fold: below the gate the
dense scores are added, above it the sparse answer stands. Prints, per cap and gate, the
5-fold macro-F1 (mean of the folds and its standard error), the share of messages that pass
the gate, how calibrated the served confidence is (expected calibration error over 10 bins,
and the share at or above the bot's 0.5 with how often those are right).
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

LONG_CHARACTERS = 60  # "long" in the gate table: a story, not a sentence
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
    """The encoder's vectors of normalised texts, each text encoded once per run and cap."""

    def __init__(self, max_tokens: int | None = None, head_tokens: int | None = None) -> None:
        self.max_tokens, self.head_tokens = max_tokens, head_tokens
        self.encoder = None
        self.known: dict[str, np.ndarray] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        new = sorted(set(texts) - self.known.keys())
        if new:
            if self.encoder is None:
                from nlu.components.encoder import SentenceEncoder

                self.encoder = SentenceEncoder(self.max_tokens, head_tokens=self.head_tokens)
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


def calibration(confidence: np.ndarray, right: np.ndarray) -> tuple[float, float, float]:
    """Expected calibration error (10 equal bins), share at or above 0.5, right there."""
    bins = np.minimum((confidence * 10).astype(int), 9)
    error = sum(
        abs(confidence[bins == b].mean() - right[bins == b].mean()) * np.mean(bins == b)
        for b in range(10)
        if np.any(bins == b)
    )
    proposed = confidence >= 0.5
    return float(error), float(proposed.mean()), float(right[proposed].mean())


def gate_table(
    variant: str,
    train: list[tuple[str, str]],
    dense_c: float,
    gates: list[float],
    caps: list[int],
    heads: list[int | None],
) -> None:
    """The 5-fold cross-validation of every (cap, gate), as the module's docstring says."""
    labels = np.array([i for _, i in train])
    texts = [normalise(t) for t, _ in train]
    splits = list(StratifiedKFold(5, shuffle=True, random_state=42).split(labels, labels))
    long = np.array([len(t) > LONG_CHARACTERS for t in texts])
    print(f"cap head gate  CV-F1  (se)   passed  ECE    >=0.5  right  long ({long.sum()}) right")
    for cap, head in [(c, h) for c in caps for h in heads]:
        vectors = SentenceVectors(cap or None, head)
        found: dict[float, list] = {g: [] for g in gates}
        for fit, held in splits:
            counters = vectorisers(variant)
            model = CalibratedLinearModel.fit(
                csr_matrix(hstack([v.fit_transform([texts[i] for i in fit]) for v in counters])),
                list(labels[fit]),
                folds=5,
                dense=vectors([texts[i] for i in fit]),
                dense_c=dense_c,
            )
            sparse = model.sparse_scores(
                csr_matrix(hstack([v.transform([texts[i] for i in held]) for v in counters]))
            )
            held_vectors = vectors([texts[i] for i in held])
            for gate in gates:
                probabilities, used = model.with_gate(gate).probabilities(sparse, held_vectors)
                found[gate].append((held, probabilities, used, model.classes))
        for gate in gates:
            fold_f1, confidence, right, passed = [], [], [], []
            for held, probabilities, used, classes in found[gate]:
                predicted = classes[probabilities.argmax(axis=1)]
                fold_f1.append(f1_score(labels[held], predicted, average="macro"))
                confidence.append(probabilities.max(axis=1))
                right.append(predicted == labels[held])
                passed.append(used)
            error, proposed, right_there = calibration(
                np.concatenate(confidence), np.concatenate(right).astype(float)
            )
            held_long = long[np.concatenate([held for held, *_ in found[gate]])]
            print(
                f"{cap or '-':>3} {head if head is not None else '-':>4} "
                f"{gate:4.2f}  {np.mean(fold_f1):.4f} "
                f"({np.std(fold_f1, ddof=1) / np.sqrt(len(fold_f1)):.4f})  "
                f"{np.concatenate(passed).mean():6.1%}  {error:.3f}  {proposed:6.1%} "
                f"{right_there:.3f}  {np.concatenate(right)[held_long].mean():.3f}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variants", help="comma-separated, e.g. prod,prod+wbi")
    parser.add_argument("sets", type=Path, nargs="*")
    parser.add_argument("--cross-validate", action="store_true")
    parser.add_argument("--dense-c", default="100", help="C of the dense model, e.g. 10,100")
    parser.add_argument("--gate-table", action="store_true", help="cross-validate the gate")
    parser.add_argument("--gates", default="0.5,0.7,0.8,0.9,0.95,1.01")
    parser.add_argument("--max-tokens", default="0", help="encoder caps, e.g. 32,48,0 (0: none)")
    parser.add_argument(
        "--head-tokens", default="-", help="tokens kept from the start, e.g. -,8 (-: all)"
    )
    args = parser.parse_args()
    jieba.setLogLevel(60)
    jieba.load_userdict(str(PROJECT_DIR / "nlu" / "jieba" / "userdict.txt"))
    train = [e for name in TRAINING_FILES for e in load_examples(PROJECT_DIR / "nlu" / name)]
    if args.gate_table:
        gates = [float(g) for g in args.gates.split(",")]
        caps = [int(c) for c in args.max_tokens.split(",")]
        heads = [None if h == "-" else int(h) for h in args.head_tokens.split(",")]
        gate_table(args.variants, train, float(args.dense_c), gates, caps, heads)
        return
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
