"""The simple baseline the production model must beat: character n-gram TF-IDF + logistic
regression (scikit-learn), trained on the same training data, no normalisation, no Jieba.

Runs in the Rasa environment, which has scikit-learn (nlu_bench.py calls it so):

    .venv-nlu/bin/python nlu/baseline.py --train nlu --json out.json \\
        tests/data/nlu_dev.yml tests/data/nlu_eval.yml
    .venv-nlu/bin/python nlu/baseline.py --cross-validate 5   # on the training data

Prints, and writes as JSON, each set's predictions with their confidence.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline

TRAINING_FILES = ("complaints.yml", "conversation.yml", "faq.yml")
ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


def load_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs of a Rasa NLU YAML file; retrieval intents keep their base name."""
    pairs = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            text = ANNOTATION.sub(r"\1", line.strip().removeprefix("- ").strip())
            if text:
                pairs.append((text, block["intent"].split("/")[0]))
    return pairs


def baseline() -> Pipeline:
    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True)),
            (
                "regression",
                LogisticRegression(
                    C=10, class_weight="balanced", solver="saga", tol=1e-3, max_iter=500,
                    random_state=42,
                ),
            ),
        ]
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=Path, default=Path("nlu"), help="folder of training files")
    parser.add_argument("--json", type=Path, help="write the predictions here")
    parser.add_argument("--cross-validate", type=int, metavar="FOLDS", help="k-fold CV instead")
    parser.add_argument("sets", type=Path, nargs="*", help="Rasa NLU YAML files to score")
    args = parser.parse_args()
    training = [e for name in TRAINING_FILES for e in load_examples(args.train / name)]
    if args.cross_validate:
        texts, labels = [t for t, _ in training], [i for _, i in training]
        folds = StratifiedKFold(args.cross_validate, shuffle=True, random_state=42)
        predicted = cross_val_predict(baseline(), texts, labels, cv=folds)
        print(
            f"baseline {args.cross_validate}-fold cross-validation on {len(texts)} examples: "
            f"macro-F1 {f1_score(labels, predicted, average='macro'):.3f}, "
            f"accuracy {accuracy_score(labels, predicted):.3f}"
        )
        return
    started = time.process_time()
    model = baseline().fit([t for t, _ in training], [i for _, i in training])
    result: dict[str, object] = {"training_examples": len(training)}
    result["training_cpu_s"] = time.process_time() - started
    for path in args.sets:
        examples = load_examples(path)
        probabilities = model.predict_proba([t for t, _ in examples])
        classes = list(model.classes_)
        rows = []
        for (text, gold), row in zip(examples, probabilities, strict=True):
            best = int(row.argmax())
            rows.append(
                {
                    "text": text,
                    "gold": gold,
                    "intent": classes[best],
                    "confidence": float(row[best]),
                }
            )
        right = sum(r["gold"] == r["intent"] for r in rows)
        print(f"baseline on {path.name}: {right}/{len(rows)} right")
        result[path.name] = rows
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
