"""LinearIntentClassifier's gate (`dense_gate`): the sentence encoder runs only for messages
the sparse model is unsure of (docs/nlu.md, "Dense features behind a gate"), in the Rasa
environment, with the real encoder, trained and loaded through Rasa's model storage."""

from __future__ import annotations

from tests.nlu.test_normaliser import in_rasa_env

# Two intents told apart by their characters; "你好" shares none of them, so the sparse
# model is unsure of it (about 0.5) and the gate lets it through; "杯子碎了" is clear.
TRAIN_AND_PARSE = """
import tempfile
from pathlib import Path
import numpy as np
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from nlu.components.linear_classifier import LinearIntentClassifier

broken = ["杯子碎了", "盘子碎了", "碗碎了", "杯子裂了", "镜子碎了", "收到的杯子碎了", "杯子是碎的",
          "玻璃杯碎了", "花瓶碎了", "瓶子碎了", "杯子摔碎了", "盘子裂了"]
late = ["快递没到", "包裹没到", "快递还没到", "包裹还没来", "快递一直没到", "物流没动", "快递丢了",
        "包裹丢了", "快递没来", "物流不动了", "快递几天没到", "包裹一直没来"]
examples = [Message(data={TEXT: t, "intent": "broken"}) for t in broken] + [
    Message(data={TEXT: t, "intent": "late"}) for t in late
]
config = {**payload, "char_ngrams": [1, 2], "calibration_folds": 3}

def counted(component):
    calls = []
    original = component.encoder.encode
    def encode(texts):
        calls.append(list(texts))
        return original(texts)
    component.encoder.encode = encode
    return calls

def parse(component, texts):
    messages = component.process([Message(data={TEXT: t}) for t in texts])
    return [
        {
            "intent": m.get("intent")["name"],
            "confidence": m.get("intent")["confidence"],
            "sum": sum(r["confidence"] for r in m.get("intent_ranking")),
            "passed": m.get("dense_gate_passed"),
            "ranking": [[r["name"], r["confidence"]] for r in m.get("intent_ranking")],
        }
        for m in messages
    ]

with tempfile.TemporaryDirectory() as folder:
    storage = LocalModelStorage(Path(folder))
    resource = Resource("classifier")
    component = LinearIntentClassifier.create(config, storage, resource, None)
    training_calls = counted(component)
    component.train(TrainingData(examples))
    trained_on = sum(len(c) for c in training_calls)
    model = component.model
    calls = counted(component)
    confident = parse(component, ["杯子碎了"])
    after_confident = len(calls)
    unsure = parse(component, ["你好"])
    both = parse(component, ["快递没到", "你好"])
    loaded = LinearIntentClassifier.load(config, storage, resource, None)
    loaded_calls = counted(loaded)
    again = parse(loaded, ["杯子碎了", "你好"])
print(json.dumps({
    "trained_on": trained_on,
    "encoded_confident": after_confident,
    "calls": calls,
    "confident": confident,
    "unsure": unsure,
    "both": both,
    "again": again,
    "loaded_calls": loaded_calls,
    "gate": model.dense_gate,
    "temperatures": [model.temperature, model.dense_temperature],
}))
"""


def test_only_unsure_messages_are_encoded_and_the_loaded_model_answers_the_same() -> None:
    result = in_rasa_env(TRAIN_AND_PARSE, {"dense_c": 10, "dense_gate": 0.8})
    assert result["trained_on"] == 24  # training encodes every example
    assert result["gate"] == 0.8
    assert all(t > 0 for t in result["temperatures"])
    (confident,) = result["confident"]
    assert confident["intent"] == "broken" and confident["confidence"] >= 0.8
    assert not confident["passed"]
    assert result["encoded_confident"] == 0  # a confident message never reaches the encoder
    (unsure,) = result["unsure"]
    assert unsure["passed"]
    # one call per parse, holding only the unsure message of the two
    assert result["calls"] == [["你好"], ["你好"]]
    assert [b["passed"] for b in result["both"]] == [False, True]
    for answer in [confident, unsure, *result["both"], *result["again"]]:
        assert abs(answer["sum"] - 1) < 1e-6
        assert 0 <= answer["confidence"] <= 1
    # saved and loaded through Rasa's storage: the same answers, the same calls to the encoder
    assert result["again"][0]["ranking"] == confident["ranking"]
    assert result["again"][1]["ranking"] == unsure["ranking"]
    assert [a["passed"] for a in result["again"]] == [False, True]
    assert result["loaded_calls"] == [["你好"]]


def test_a_gate_above_one_encodes_every_message_and_none_without_dense_c() -> None:
    always = in_rasa_env(TRAIN_AND_PARSE, {"dense_c": 10, "dense_gate": 1.01})
    assert always["confident"][0]["passed"] and always["unsure"][0]["passed"]
    assert always["encoded_confident"] == 1
    code = """
    from nlu.components.linear_classifier import LinearIntentClassifier
    component = LinearIntentClassifier({"dense_gate": 0.8}, None, None)
    print(json.dumps({"encoder": component.encoder is not None}))
    """
    assert not in_rasa_env(code, None)["encoder"]  # a gate without dense_c: sparse only
