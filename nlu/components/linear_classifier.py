"""Rasa components around nlu/components/linear.py: the intent classifier and the FAQ selector.

    - name: nlu.components.linear_classifier.LinearIntentClassifier
      c: 10
    - name: nlu.components.linear_classifier.LinearResponseSelector
      retrieval_intent: faq

Both read the sentence-level sparse features the featurisers before them made (word counts,
regex matches), like Rasa's LogisticRegressionClassifier, and add character n-gram counts of
the whole (normalised) message: Rasa's char_wb featuriser cuts n-grams inside Jieba's words
only, which loses the n-grams across word boundaries that carry much of the signal in
Chinese (docs/nlu.md). They weigh all of it as TF-IDF, use a stronger C, and calibrate their
confidence (see linear.py). Neither needs TensorFlow: training takes seconds, not minutes.

With `dense_c` set, the dense sentence features before them (SentenceEncoderFeaturizer's
sentence vector) get a second logistic regression of that C, whose scores are added to the
sparse model's (linear.py); a message parsed without them is refused rather than scored on
half a model. Without `dense_c` dense features are ignored.

With `dense_gate` as well, the classifier encodes messages itself (nlu/components/encoder.py,
no featuriser in the pipeline) and only those whose best sparse probability is below the gate:
a confident message keeps the sparse model's calibrated answer and never pays for the encoder,
an unsure one gets both models' scores with the temperature fitted for the unsure ones
(linear.py). `dense_max_tokens` bounds the encoder's cost on long messages, and
`dense_head_tokens` says how many of those tokens come from the start of the message, the rest
from its end (0: the end only, where a long story comes to its point). The parse answer
says which messages were encoded (`dense_gate_passed`). Training still encodes every example
and fits both models on all of them.

LinearResponseSelector stands in for Rasa's ResponseSelector: it picks the answer key of a
retrieval intent (faq/how_long…) and writes the same `response_selector` output, which the
bot reads (`faq_key`) and which Rasa's `utter_faq` action answers from.
"""

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import coo_matrix, csr_matrix, hstack
from sklearn.feature_extraction.text import CountVectorizer

from nlu.components.encoder import SentenceEncoder
from nlu.components.linear import CalibratedLinearModel

MODEL_FILE = "model.npz"
FEATURES_FILE = "features.json"


def sentence_features(messages: list[Message], width: int | None = None) -> csr_matrix:
    """One row per message: its sparse sentence features, all featurisers side by side,
    padded or cut to `width` columns (the width seen in training)."""
    rows, columns, values = [], [], []
    widest = 0
    for index, message in enumerate(messages):
        sparse = message.get_sparse_features(TEXT)[1]
        if sparse is None:
            continue
        entries = coo_matrix(sparse.features)
        widest = max(widest, entries.shape[1])
        rows.append(np.full(entries.nnz, index))
        columns.append(entries.col)
        values.append(entries.data)
    return _matrix(rows, columns, values, len(messages), widest if width is None else width)


def _matrix(rows: list, columns: list, values: list, height: int, width: int) -> csr_matrix:
    """A CSR matrix from lists of COO parts, entries beyond `width` columns left out (built
    in one step: stacking one-row matrices cost more than the classifier itself)."""
    if not rows:
        return csr_matrix((height, width))
    row, column, value = (np.concatenate(part) for part in (rows, columns, values))
    inside = column < width
    return csr_matrix(
        (value[inside].astype(np.float64), (row[inside], column[inside])), shape=(height, width)
    )


class _LinearComponent(GraphComponent):
    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: CalibratedLinearModel | None = None,
        features: dict[str, Any] | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage, self._resource, self.model = model_storage, resource, model
        self.rasa_width: int | None = None
        self.characters: CountVectorizer | None = None
        self._analyse: Callable[[str], list[str]] | None = None
        if features is not None:
            self.rasa_width = int(features["rasa_width"])
            self.characters = self._characters(features["vocabulary"])
        gated = self.config["dense_gate"] is not None and self.config["dense_c"] is not None
        if model is not None:  # a trained model encodes as it was trained
            gated = model.dense_gate is not None
            self.config["dense_max_tokens"] = (features or {}).get("dense_max_tokens")
            self.config["dense_head_tokens"] = (features or {}).get("dense_head_tokens")
        self.encoder: SentenceEncoder | None = (
            SentenceEncoder(
                self.config["dense_max_tokens"], head_tokens=self.config["dense_head_tokens"]
            )
            if gated
            else None
        )

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "c": 10.0,
            "calibration_folds": 5,
            "random_seed": 42,
            "ranking_length": 10,
            "char_ngrams": [1, 4],  # n-grams of the whole message; [] for none
            "dense_c": None,  # C of the model over dense sentence features; None: not used
            # with dense_c: encode here, only messages whose best sparse probability is below
            "dense_gate": None,
            "dense_max_tokens": None,  # tokens the encoder reads of a message; None: all
            # of those, how many from the start (the rest from the end); None: all from the start
            "dense_head_tokens": None,
        }

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        # the encoder's version, so that Rasa's cache never reuses a model of another encoder
        if config.get("dense_gate") is None or config.get("dense_c") is None:
            return None
        return SentenceEncoder.version()

    def _characters(self, vocabulary: dict[str, int] | None = None) -> CountVectorizer | None:
        if not self.config["char_ngrams"]:
            return None
        low, high = self.config["char_ngrams"]
        return CountVectorizer(
            analyzer="char_wb", ngram_range=(int(low), int(high)), vocabulary=vocabulary
        )

    def counts(self, messages: list[Message], fit: bool = False) -> csr_matrix:
        """Rasa's sentence features beside this component's character n-gram counts."""
        if fit:
            texts = [str(m.get(TEXT) or "") for m in messages]
            rasa = sentence_features(messages)
            self.rasa_width = rasa.shape[1]
            self.characters = self._characters()
            if self.characters is None:
                return rasa
            characters = self.characters.fit_transform(texts)
            self.characters.vocabulary = self.characters.vocabulary_  # what parsing reads
            return csr_matrix(hstack([rasa, characters]))
        rows = [self.row(message) for message in messages]
        width = self.rasa_width or 0
        width += len(self.characters.vocabulary) if self.characters is not None else 0
        return _matrix(
            [np.full(len(c), i) for i, (c, _) in enumerate(rows)],
            [c for c, _ in rows],
            [v for _, v in rows],
            len(messages),
            width,
        )

    def row(self, message: Message) -> tuple[np.ndarray, np.ndarray]:
        """One parsed message's (columns, counts), as a row of counts() would hold them:
        Rasa's sentence features cut to the training width, then the character n-grams,
        counted in a loop over sklearn's analyser (CountVectorizer.transform and sparse
        stacking cost a tenth of a millisecond each per call)."""
        assert self.rasa_width is not None
        sparse = message.get_sparse_features(TEXT)[1]
        columns, counts = [], []
        if sparse is not None:
            entries = coo_matrix(sparse.features)
            inside = entries.col < self.rasa_width
            columns.append(entries.col[inside].astype(np.int64))
            counts.append(entries.data[inside].astype(np.float64))
        if self.characters is not None:
            if self._analyse is None:
                self._analyse = self.characters.build_analyzer()
            found = Counter(
                column
                for column in map(
                    self.characters.vocabulary.get, self._analyse(str(message.get(TEXT) or ""))
                )
                if column is not None
            )
            columns.append(
                np.fromiter(found.keys(), dtype=np.int64, count=len(found)) + self.rasa_width
            )
            counts.append(np.fromiter(found.values(), dtype=np.float64, count=len(found)))
        if not columns:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(columns), np.concatenate(counts)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> GraphComponent:
        try:
            with model_storage.read_from(resource) as directory:
                model = CalibratedLinearModel.load(directory / MODEL_FILE)
                features = json.loads((directory / FEATURES_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            return cls(config, model_storage, resource)  # nothing trained: stays silent
        return cls(config, model_storage, resource, model, features)

    def dense(self, messages: list[Message]) -> np.ndarray | None:
        """One row per message: its dense sentence features, or None if they are not used
        (a trained model uses them if it was trained with them). With a gate, this
        component's own encoder makes them."""
        if self.encoder is not None:
            return self.encoder.encode([str(m.get(TEXT) or "") for m in messages])
        used = (
            self.config["dense_c"] is not None
            if self.model is None
            else self.model.dense_dimensions
        )
        if not used:
            return None
        rows = []
        for message in messages:
            dense = message.get_dense_features(TEXT)[1]
            if dense is None:
                raise ValueError(
                    f"{type(self).__name__} has dense_c set but a message has no dense "
                    "sentence features: put SentenceEncoderFeaturizer before it"
                )
            rows.append(np.asarray(dense.features, dtype=np.float64).reshape(-1))
        return np.vstack(rows)

    def _fit(self, examples: list[Message], labels: list[str]) -> Resource:
        if len(set(labels)) < 2:
            return self._resource
        dense_c = self.config["dense_c"]
        self.model = CalibratedLinearModel.fit(
            self.counts(examples, fit=True),
            labels,
            c=float(self.config["c"]),
            folds=int(self.config["calibration_folds"]),
            seed=int(self.config["random_seed"]),
            dense=self.dense(examples),
            dense_c=100.0 if dense_c is None else float(dense_c),
            dense_gate=None if self.encoder is None else float(self.config["dense_gate"]),
        )
        vocabulary = self.characters.vocabulary_ if self.characters is not None else {}
        features = {
            "rasa_width": self.rasa_width,
            "vocabulary": {gram: int(column) for gram, column in vocabulary.items()},
            "dense_max_tokens": self.config["dense_max_tokens"],
            "dense_head_tokens": self.config["dense_head_tokens"],
        }
        with self._model_storage.write_to(self._resource) as directory:
            self.model.save(directory / MODEL_FILE)
            (directory / FEATURES_FILE).write_text(json.dumps(features), encoding="utf-8")
        return self._resource

    def _rankings(self, messages: list[Message]) -> list[list[tuple[str, float]]]:
        return self._scored(messages)[0]

    def _scored(self, messages: list[Message]) -> tuple[list[list[tuple[str, float]]], Any]:
        """The rankings, and which messages got the dense scores."""
        assert self.model is not None
        sparse = self.model.sparse_scores_rows([self.row(m) for m in messages])
        if self.encoder is not None or self.model.dense_dimensions is None:
            dense: Any = lambda where: self.dense([messages[i] for i in where])  # noqa: E731
        else:
            dense = self.dense(messages)
        probabilities, used = self.model.probabilities(sparse, dense)
        order = np.argsort(-probabilities, axis=1)[:, : int(self.config["ranking_length"])]
        rankings = [
            [(str(self.model.classes[i]), float(row[i])) for i in top]
            for row, top in zip(probabilities, order, strict=True)
        ]
        return rankings, used


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(_LinearComponent, IntentClassifier):
    """The intent with calibrated confidence and a ranking, from the sparse features."""

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        return self._fit(examples, [e.get(INTENT) for e in examples])

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None or not messages:
            return messages
        rankings, used = self._scored(messages)
        for message, ranking, encoded in zip(messages, rankings, used, strict=True):
            named = [{"name": name, "confidence": confidence} for name, confidence in ranking]
            message.set(INTENT, named[0], add_to_output=True)
            message.set("intent_ranking", named, add_to_output=True)
            if self.encoder is not None:
                message.set("dense_gate_passed", bool(encoded), add_to_output=True)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearResponseSelector(_LinearComponent):
    """The answer key of a retrieval intent (faq/how_long…), as Rasa's ResponseSelector."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**_LinearComponent.get_default_config(), "retrieval_intent": "faq"}

    def train(self, training_data: TrainingData) -> Resource:
        intent = self.config["retrieval_intent"]
        examples = [
            e
            for e in training_data.intent_examples
            if e.get(INTENT) == intent and e.get(INTENT_RESPONSE_KEY) and e.get(TEXT)
        ]
        return self._fit(examples, [e.get(INTENT_RESPONSE_KEY) for e in examples])

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None or not messages:
            return messages
        intent = self.config["retrieval_intent"]
        # Only messages classified as the retrieval intent need an answer key (the bot and
        # Rasa's utter action read it only then): the others are not scored at all.
        asking = [m for m in messages if (m.get(INTENT) or {}).get("name") == intent]
        if not asking:
            return messages
        for message, ranking in zip(asking, self._rankings(asking), strict=True):
            key, confidence = ranking[0]
            prediction = {
                "response": {
                    "responses": [],  # Rasa's utter action takes the texts from the domain
                    "confidence": confidence,
                    "intent_response_key": key,
                    "utter_action": f"utter_{key}",
                },
                "ranking": [{"confidence": p, "intent_response_key": k} for k, p in ranking],
            }
            selector = message.get("response_selector") or {}
            selector["all_retrieval_intents"] = [intent]
            selector[intent] = prediction
            message.set("response_selector", selector, add_to_output=True)
        return messages
