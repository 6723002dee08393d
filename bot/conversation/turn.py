"""One turn of the conversation: who is speaking, in which language, with which services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.conversation.events import Incoming, MessageRef

if TYPE_CHECKING:
    from bot.context import Services


@dataclass(slots=True)
class Turn:
    services: Services
    event: Incoming
    language: str
    # Channels that deliver an album as one message per file acknowledge it once, later.
    after_album: Callable[[str, str], None] | None = None

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
