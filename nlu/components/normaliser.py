"""TextNormaliser: the Rasa graph component that runs nlu/components/normalise.py first.

    pipeline:
      - name: nlu.components.normaliser.TextNormaliser
      - name: JiebaTokenizer
      ...

It rewrites each message's text in place, for training examples and for parsed messages
alike, so the tokeniser, the featurisers and the entity extractors all read the normalised
text. Entity annotations of training examples are moved with their words.

Rasa checks the graph with the type hints of `process` and `process_training_data` and
forbids forward references in them: hence no `from __future__ import annotations` here.
"""

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.normalise import normalise, normalise_spans


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TextNormaliser(GraphComponent):
    """Traditional to simplified, full-width to half-width, punctuation and emoji tidied."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"fold_case": False}

    def __init__(self, config: dict[str, Any]) -> None:
        self.fold_case = bool(config.get("fold_case", False))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config)

    def normalise_message(self, message: Message) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str) or not text:
            return
        entities = [
            entity
            for entity in message.get(ENTITIES) or []
            if ENTITY_ATTRIBUTE_START in entity and ENTITY_ATTRIBUTE_END in entity
        ]
        if not entities:
            normalised = normalise(text, fold_case=self.fold_case)
            if normalised:  # a message of nothing but spaces stays as it was
                message.set(TEXT, normalised)
            return
        spans = [(e[ENTITY_ATTRIBUTE_START], e[ENTITY_ATTRIBUTE_END]) for e in entities]
        normalised, moved = normalise_spans(text, spans, fold_case=self.fold_case)
        for entity, (start, end) in zip(entities, moved, strict=True):
            original = text[entity[ENTITY_ATTRIBUTE_START] : entity[ENTITY_ATTRIBUTE_END]]
            if entity.get(ENTITY_ATTRIBUTE_VALUE) == original:
                # the value is the annotated words, not a synonym: it follows them, or
                # EntitySynonymMapper would learn 淘宝 -> 淘寶 from the normalised text
                entity[ENTITY_ATTRIBUTE_VALUE] = normalised[start:end]
            entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END] = start, end
        message.set(TEXT, normalised)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self.normalise_message(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self.normalise_message(message)
        return messages
