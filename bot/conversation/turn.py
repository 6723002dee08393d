"""One turn of the conversation: who is speaking, in which language, with which services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.conversation.events import Incoming, MessageRef
from bot.nlu import NluResult, NluUnavailable

if TYPE_CHECKING:
    from bot.context import Services


@dataclass(slots=True)
class Turn:
    services: Services
    event: Incoming
    language: str
    # Channels that deliver an album as one message per file acknowledge it once, later.
    after_album: Callable[[str, str], None] | None = None
    _parsed: dict[str, NluResult] = field(default_factory=dict)

    async def parse(self, text: str) -> NluResult | NluUnavailable:
        """The model's reading of `text`, asked once per turn (a short description is both
        checked for "cancel" and classified)."""
        known = self._parsed.get(text)
        if known is not None:
            return known
        result = await self.services.nlu.parse(text)
        if isinstance(result, NluResult):
            self._parsed[text] = result
        return result

    @property
    def person_id(self) -> int:
        return self.event.sender.person_id

    @property
    def channel(self) -> str:
        return self.event.sender.channel

    @property
    def display_name(self) -> str:
        return self.event.sender.display_name or ""

    @property
    def source(self) -> MessageRef | None:
        return self.event.source
