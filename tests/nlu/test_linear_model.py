"""The calibrated linear classifier of nlu/components/linear.py, in the Rasa environment."""

from __future__ import annotations

from tests.nlu.test_normaliser import in_rasa_env


def test_it_learns_saves_and_loads() -> None:
    code = """
    import tempfile
    from pathlib import Path
    import numpy as np
    from scipy.sparse import csr_matrix
    from nlu.components.linear import CalibratedLinearModel

    rng = np.random.default_rng(0)
    labels = ["a", "b", "c"] * 20
    rows = np.zeros((60, 9))
    for i, label in enumerate(labels):
        base = "abc".index(label) * 3
        rows[i, base : base + 3] = rng.integers(1, 3, 3)
        rows[i, rng.integers(0, 9)] += 1  # noise
    model = CalibratedLinearModel.fit(csr_matrix(rows), labels, c=10.0, folds=5)
    test = csr_matrix(np.array([[2, 1, 1, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1, 2, 1]]))
    p = model.predict_proba(test)
    with tempfile.TemporaryDirectory() as folder:
        model.save(Path(folder) / "m.npz")
        again = CalibratedLinearModel.load(Path(folder) / "m.npz").predict_proba(test)
    print(json.dumps({
        "best": [str(model.classes[i]) for i in p.argmax(axis=1)],
        "sums": p.sum(axis=1).round(6).tolist(),
        "same_after_loading": bool(np.allclose(p, again)),
        "temperature": model.temperature,
    }))
    """
    result = in_rasa_env(code, None)
    assert result["best"] == ["a", "c"]
    assert result["sums"] == [1.0, 1.0]
    assert result["same_after_loading"]
    assert 0.05 < result["temperature"] < 20


def test_calibrated_confidence_matches_accuracy_better_than_raw() -> None:
    code = """
    import numpy as np
    from scipy.sparse import csr_matrix
    from nlu.components.linear import CalibratedLinearModel

    rng = np.random.default_rng(1)
    def sample(n):
        labels = rng.integers(0, 4, n)
        rows = rng.poisson(0.3, (n, 400)).astype(float)  # many noise features: overfits
        for i, label in enumerate(labels):
            rows[i, label * 10 : label * 10 + 10] += rng.poisson(0.5, 10)
        return csr_matrix(rows), [str(x) for x in labels]
    x, y = sample(200)
    model = CalibratedLinearModel.fit(x, y, c=10.0)
    tx, ty = sample(2000)
    calibrated = model.predict_proba(tx)
    model.temperature = 1.0
    raw = model.predict_proba(tx)
    accuracy = float(np.mean(model.classes[calibrated.argmax(axis=1)] == np.array(ty)))
    print(json.dumps({
        "accuracy": accuracy,
        "calibrated": float(calibrated.max(axis=1).mean()),
        "raw": float(raw.max(axis=1).mean()),
    }))
    """
    result = in_rasa_env(code, None)
    calibrated_gap = abs(result["calibrated"] - result["accuracy"])
    assert calibrated_gap < abs(result["raw"] - result["accuracy"])
    assert calibrated_gap < 0.05


def test_parse_time_counting_gives_what_sklearn_gives() -> None:
    """The classifier counts a parsed message's n-grams and scores it without sparse matrices
    (for speed, docs/nlu.md): the same counts as Rasa's features beside
    CountVectorizer.transform and the same probabilities as predict_proba, for messages with
    n-grams unseen in training, with more Rasa feature columns than in training, and empty."""
    code = """
    import numpy as np
    from scipy.sparse import csr_matrix, hstack
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message
    from nlu.components.linear import CalibratedLinearModel
    from nlu.components.linear_classifier import LinearIntentClassifier, sentence_features

    def message(text, width, columns):
        m = Message(data={TEXT: text})
        row = np.zeros((1, width))
        row[0, columns] = [3, 1][: len(columns)]
        m.add_features(Features(csr_matrix(row), "sentence", TEXT, "counts"))
        return m

    component = LinearIntentClassifier({"char_ngrams": [1, 4], "calibration_folds": 2}, None, None)
    trained = [
        message("收到的杯子碎了", 5, [0, 2]), message("The parcel never came", 5, [4]),
        message("杯子是碎的", 5, [0]), message("parcel lost", 5, [3, 4]),
    ]
    component.model = CalibratedLinearModel.fit(
        component.counts(trained, fit=True), ["q", "d", "q", "d"], folds=2
    )
    parsed = [
        message("杯子碎了 parcel 没到 😡", 7, [1, 6]),  # unseen n-grams, 2 extra columns
        message("", 5, []),
        message("THE PARCEL", 5, [3]),
    ]
    fast = component.counts(parsed)
    reference = hstack([
        sentence_features(parsed, component.rasa_width),
        component.characters.transform([m.get(TEXT) for m in parsed]),
    ]).toarray()
    rows = component.model.predict_proba_rows([component.row(m) for m in parsed])
    print(json.dumps({
        "same_probabilities": bool(np.allclose(rows, component.model.predict_proba(reference))),
        "shape": list(fast.shape),
        "reference_shape": list(reference.shape),
        "equal": bool(np.array_equal(fast.toarray(), reference)),
        "nonzero": int(fast.nnz),
    }))
    """
    result = in_rasa_env(code, None)
    assert result["shape"] == result["reference_shape"]
    assert result["equal"] and result["nonzero"] > 10
    assert result["same_probabilities"]
