"""The dense sentence features: SentenceEncoderFeaturizer (nlu/components/sentence_encoder.py)
and LinearIntentClassifier's second model over them (`dense_c`), in the Rasa environment."""

from __future__ import annotations

from tests.nlu.test_normaliser import in_rasa_env


def test_each_message_with_text_gets_one_unit_sentence_vector() -> None:
    code = """
    import numpy as np
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from nlu.components.sentence_encoder import SentenceEncoderFeaturizer

    featuriser = SentenceEncoderFeaturizer({}, "encoder")
    parsed = [Message(data={TEXT: t}) for t in ["杯子收到就碎了", "my parcel never came", ""]]
    featuriser.process(parsed)
    training = TrainingData([Message(data={TEXT: "快递三天了还没到", "intent": "delivery"})])
    featuriser.process_training_data(training)
    def shape(message):
        sequence, sentence = message.get_dense_features(TEXT)
        return {
            "sequence": sequence is not None,
            "sentence": None if sentence is None else list(sentence.features.shape),
            "norm": None if sentence is None else float(np.linalg.norm(sentence.features)),
        }
    vectors = [m.get_dense_features(TEXT)[1].features[0] for m in parsed[:2]]
    print(json.dumps({
        "parsed": [shape(m) for m in parsed],
        "trained": shape(training.training_examples[0]),
        "different": float(vectors[0] @ vectors[1]) < 0.99,
    }))
    """
    result = in_rasa_env(code, None)
    for found in [*result["parsed"][:2], result["trained"]]:
        assert found["sentence"] == [1, 512]
        assert not found["sequence"]
        assert abs(found["norm"] - 1) < 1e-3
    assert result["parsed"][2]["sentence"] is None  # an empty text gets no vector
    assert result["different"]


def test_the_classifier_learns_from_dense_features_and_keeps_them_when_loaded() -> None:
    """The sparse features here say nothing (the same count for every message, no n-grams):
    only the dense vectors tell the two intents apart, so without them every message gets
    one intent. Saved and loaded, the model gives the same probabilities; a message without
    dense features is refused, not scored on half the model."""
    code = """
    import tempfile
    from pathlib import Path
    import numpy as np
    from scipy.sparse import csr_matrix
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message
    from nlu.components.linear import CalibratedLinearModel
    from nlu.components.linear_classifier import LinearIntentClassifier

    rng = np.random.default_rng(3)
    def message(label, dense=True):
        m = Message(data={TEXT: "same words"})
        m.add_features(Features(csr_matrix(np.ones((1, 3))), "sentence", TEXT, "counts"))
        if dense:
            vector = rng.normal(0, 0.3, 8)
            vector[0] += 1 if label == "a" else -1
            vector /= np.linalg.norm(vector)
            m.add_features(Features(vector.reshape(1, 8), "sentence", TEXT, "encoder"))
        return m

    labels = ["a", "b"] * 30
    component = LinearIntentClassifier(
        {"char_ngrams": [], "dense_c": 10, "calibration_folds": 3}, None, None
    )
    trained = [message(label) for label in labels]
    component.model = CalibratedLinearModel.fit(
        component.counts(trained, fit=True), labels, folds=3, dense=component.dense(trained),
        dense_c=10,
    )
    test_labels = ["a", "b"] * 20
    tests = [message(label) for label in test_labels]
    best = [r[0][0] for r in component._rankings(tests)]
    with tempfile.TemporaryDirectory() as folder:
        component.model.save(Path(folder) / "m.npz")
        loaded = CalibratedLinearModel.load(Path(folder) / "m.npz")
    rows = [component.row(m) for m in tests]
    same = np.allclose(
        loaded.predict_proba_rows(rows, component.dense(tests)),
        component.model.predict_proba_rows(rows, component.dense(tests)),
    )
    try:
        component._rankings([message("a", dense=False)])
        refused = False
    except ValueError:
        refused = True
    print(json.dumps({
        "accuracy": float(np.mean(np.array(best) == np.array(test_labels))),
        "dense_dimensions": loaded.dense_dimensions,
        "same_after_loading": bool(same),
        "refused_without_dense": refused,
    }))
    """
    result = in_rasa_env(code, None)
    assert result["accuracy"] > 0.9
    assert result["dense_dimensions"] == 8
    assert result["same_after_loading"]
    assert result["refused_without_dense"]


def test_without_dense_c_dense_features_are_ignored() -> None:
    code = """
    import numpy as np
    from scipy.sparse import csr_matrix
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message
    from nlu.components.linear_classifier import LinearIntentClassifier

    m = Message(data={TEXT: "x"})
    m.add_features(Features(np.ones((1, 4)), "sentence", TEXT, "encoder"))
    component = LinearIntentClassifier({"char_ngrams": [1, 2]}, None, None)
    print(json.dumps({"dense": component.dense([m]) is None}))
    """
    assert in_rasa_env(code, None)["dense"]
