"""What the fake Telegram recorded, and waiting for a bot that runs against it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tests.fakes.telegram_methods import METHODS
from tests.fakes.telegram_state import FakeChat, FakeTopic, FakeUser

T = TypeVar("T")


def json_copy(value: T) -> T:
    return json.loads(json.dumps(value))


@dataclass
class Call:
    """One recorded Bot API call: what the bot sent and what the fake answered."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes, str]]
    status: int | None = None
    response: dict | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return bool(self.response and self.response.get("ok"))

    @property
    def result(self) -> Any:
        return (self.response or {}).get("result")

    @property
    def description(self) -> str | None:
        return (self.response or {}).get("description")


class Msg(dict):
    """A message as Telegram's JSON (a plain dict) with shortcuts for tests."""

    MEDIA_KINDS = (
        "photo document video animation audio voice video_note sticker location venue "
        "contact poll dice".split()
    )

    @property
    def id(self) -> int:
        return self["message_id"]

    @property
    def chat_id(self) -> int:
        return self["chat"]["id"]

    @property
    def thread_id(self) -> int | None:
        return self.get("message_thread_id")

    @property
    def kind(self) -> str:
        """ "text", a media kind such as "photo" or "document", or the service field's name."""
        if "text" in self:
            return "text"
        for kind in self.MEDIA_KINDS:
            if kind in self:
                return kind
        skip = {"message_id", "from", "chat", "date", "message_thread_id", "is_topic_message"}
        return next((key for key in self if key not in skip), "unknown")

    @property
    def content(self) -> str | None:
        """The text, or the caption of a media message."""
        return self.get("text", self.get("caption"))

    @property
    def file_id(self) -> str | None:
        media = self.get(self.kind)
        if isinstance(media, list):  # photo: the largest size
            return media[-1]["file_id"] if media else None
        return media.get("file_id") if isinstance(media, dict) else None

    @property
    def reply_to_id(self) -> int | None:
        reply = self.get("reply_to_message")
        return reply["message_id"] if reply else None

    @property
    def buttons(self) -> list[dict]:
        rows = (self.get("reply_markup") or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    def button(self, text: str) -> dict:
        for button in self.buttons:
            if button.get("text") == text:
                return button
        raise LookupError(f"no button {text!r}; buttons: {[b.get('text') for b in self.buttons]}")


class Records:
    """Reading the calls and messages, and waiting for the bot (a mixin of FakeTelegram).

    The wait_* helpers take their own ``timeout`` (ASYNC109 allowed) so a test that forgets
    one fails with a clear message instead of hanging.
    """

    # -----------------------------------------------------------------------------------------
    # Reading what happened

    def calls_of(self, method: str) -> list[Call]:
        name = METHODS[method.lower()][0]
        return [c for c in self.calls if c.method == name]

    def last_call(self, method: str | None = None) -> Call:
        calls = self.calls_of(method) if method else self.calls
        if not calls:
            raise LookupError(f"no call of {method or 'any method'} yet")
        return calls[-1]

    def messages(
        self, chat: FakeChat | FakeUser | int, thread_id: int | None = None, *, deleted=False
    ) -> list[Msg]:
        """Every message in a chat (people's and the bot's), in order."""
        chat = self.chat(chat)
        found = []
        for message_id in sorted(chat.messages):
            message, meta = chat.messages[message_id], chat.meta[message_id]
            if meta.deleted and not deleted:
                continue
            if thread_id is not None and message.get("message_thread_id") != thread_id:
                continue
            found.append(Msg(json_copy(message)))
        return found

    def sent_to(
        self, chat: FakeChat | FakeUser | int, thread_id: int | None = None, *, deleted=False
    ) -> list[Msg]:
        """The messages the bot sent to a chat (optionally one topic), as they are now, in order.

        Service messages (topic created/closed...) are left out; deleted ones unless ``deleted``.
        """
        chat = self.chat(chat)
        return [
            message
            for message in self.messages(chat, thread_id, deleted=deleted)
            if chat.meta[message.id].by_bot and not chat.meta[message.id].service
        ]

    def message(self, chat: FakeChat | FakeUser | int, message_id: int) -> Msg:
        chat = self.chat(chat)
        if message_id not in chat.messages:
            raise KeyError(f"no message {message_id} in chat {chat.id}")
        return Msg(json_copy(chat.messages[message_id]))

    def topic(self, chat: FakeChat | int, name: str) -> FakeTopic:
        for topic in self.chat(chat).topics.values():
            if topic.name == name:
                return topic
        raise LookupError(f"no topic {name!r} in chat {self.chat(chat).id}")

    def file_bytes(self, file_id: str) -> bytes:
        return self.files[file_id].data

    # -----------------------------------------------------------------------------------------
    # Waiting (for a bot running against the fake)

    def _notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake wait_for() & co. after something outside the fake changed (e.g. the bot finished
        processing an update), so predicates that read that state are checked again."""
        self._notify()

    async def wait_changed(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        """Wait until any call or update happens; False on timeout."""
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str | None = None,
    ) -> T:
        """Wait until ``predicate()`` is truthy and return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"FakeTelegram: no {what or predicate} within {timeout}s")
            await self.wait_changed(remaining)

    async def wait_for_call(
        self,
        method: str,
        *,
        since: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        **params: Any,
    ) -> Call:
        """The first call of ``method`` (with these params) made after the last action of a person.

        ``since``: an index into ``calls`` to search from instead (e.g. ``len(fake.calls)``).
        """
        name = METHODS[method.lower()][0]
        start = self._action_mark if since is None else since

        def find() -> Call | None:
            for call in self.calls[start:]:
                if call.method == name and all(
                    str(call.params.get(k)) == str(v) for k, v in params.items()
                ):
                    return call
            return None

        return await self.wait_for(find, timeout, f"{method} call {params or ''}")

    async def wait_for_sent(
        self,
        chat: FakeChat | FakeUser | int,
        count: int = 1,
        *,
        thread_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[Msg]:
        """Wait until the bot has sent at least ``count`` messages to the chat; returns them all."""
        return await self.wait_for(
            lambda: (sent := self.sent_to(chat, thread_id)) and len(sent) >= count and sent,
            timeout,
            f"{count} message(s) to chat {self.chat(chat).id}",
        )

    async def wait_idle(self, quiet: float = 0.05, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until every update was handed to the bot and it made no call for ``quiet`` s."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            handed = all(u["update_id"] <= self._handed_up_to for u in self._queue)
            idle_for = now - self._last_activity
            if handed and idle_for >= quiet:
                return
            if now >= deadline:
                raise TimeoutError(f"FakeTelegram: the bot was not idle within {timeout}s")
            await asyncio.sleep(min(max(quiet - idle_for, 0.005), deadline - now))
