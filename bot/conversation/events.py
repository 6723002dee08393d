"""What a buyer did, in the project's own terms: a text, a button, a file or a command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum

from bot.services.intake_draft import Evidence


class Kind(StrEnum):
    TEXT = "text"
    BUTTON = "button"
    FILE = "file"
    COMMAND = "command"
    EDITED = "edited"  # an edited message: passed on where it was relayed
    SHARED = "shared"  # a sticker, a location, a contact: for an open ticket's agents
    UNSUPPORTED = "unsupported"  # a poll, a dice, a game: not something we take
    EMPTY = "empty"  # a text with nothing in it


@dataclass(frozen=True, slots=True)
class Sender:
    """Who wrote: the person's id in the database, their channel and what the channel knows."""

    person_id: int
    channel: str
    display_name: str | None = None  # the full name, as agents see it
    first_name: str | None = None  # how the greeting calls them
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message on the buyer's own channel (a chat and a message id there)."""

    chat_id: int
    message_id: int


@dataclass(frozen=True, slots=True)
class Incoming:
    sender: Sender
    kind: Kind
    text: str | None = None  # the text, a file's caption
    data: str | None = None  # a button's data
    command: str | None = None
    args: tuple[str, ...] = field(default_factory=tuple)
    file: Evidence | None = None
    source: MessageRef | None = None  # the message itself, where the channel has one
    reply_to: MessageRef | None = None  # the buyer's message answers this one
    thread: int | None = None  # the topic of the buyer's chat it was sent in (None: the main one)
    # Applied again after a crash (bot/handlers/recovery.py): its first handling may have
    # taken effect, but its answer died with the process, so the person has not seen it.
    resumed: bool = False


@dataclass(slots=True)
class Outcome:
    """What to show the buyer: replies in order; for a button, a short notice instead."""

    replies: list = field(default_factory=list)
    notice: str | None = None  # a refused button: shown briefly (an alert on Telegram)
    remove_buttons: bool = False  # the pressed question is answered: take its buttons off


@dataclass(slots=True)
class Resumed:
    """An update handled again after a crash; `answered`: it showed the person something."""

    answered: bool = False


_resuming: ContextVar[Resumed | None] = ContextVar("complaint_desk_resuming", default=None)


@contextmanager
def resuming() -> Iterator[Resumed]:
    """The events made inside are `resumed`: an update interrupted by a crash, again."""
    state = Resumed()
    token = _resuming.set(state)
    try:
        yield state
    finally:
        _resuming.reset(token)


def is_resuming() -> bool:
    return _resuming.get() is not None


def answered_again() -> None:
    """The resumed event's handling had something to show (the recovery need not ask)."""
    state = _resuming.get()
    if state is not None:
        state.answered = True
