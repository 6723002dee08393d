"""A web chat visitor as a program: an HTTP client with its cookie and a WebSocket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


@dataclass
class Page:
    base: str
    http: httpx.AsyncClient
    origin: str
    ws: ClientConnection | None = None
    frames: list[dict[str, Any]] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    close_code: int | None = None
    _reader: asyncio.Task | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def open(cls, base: str, origin: str | None = None, timeout: float = 10) -> Page:
        origin = origin or base
        http = httpx.AsyncClient(base_url=base, headers={"Origin": origin}, timeout=timeout)
        return cls(base, http, origin)

    async def close(self) -> None:
        await self.disconnect()
        await self.http.aclose()

    # ------------------------------------------------------------ HTTP

    async def become_visitor(self, lang: str = "zh") -> str:
        answer = await self.http.post("/api/visitor", json={"lang": lang})
        assert answer.status_code == 200, answer.text
        return answer.json()["resume_url"]

    @property
    def cookie(self) -> str | None:
        return self.http.cookies.get("cd_visitor")

    async def upload(self, content: bytes, name: str, **query: str) -> httpx.Response:
        params = {"id": secrets.token_hex(8), "name": name, **query}
        return await self.http.post("/api/upload", params=params, content=content)

    # ------------------------------------------------------------ WebSocket

    async def connect(self, after: int | None = None, *, hello: bool = True) -> None:
        url = self.base.replace("http", "ws", 1) + "/ws"
        headers = {"Cookie": f"cd_visitor={self.cookie}"} if self.cookie else {}
        self.ws = await connect(url, origin=self.origin, additional_headers=headers,
                                max_size=2**22, open_timeout=120)  # fmt: skip
        self.closed.clear()
        self.close_code = None
        self._reader = asyncio.create_task(self._read(self.ws))
        if hello:
            with contextlib.suppress(ConnectionClosed):  # refused visitors are closed at once
                await self.send({"t": "hello", "after": self.last_seq if after is None else after})

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                self.frames.append(json.loads(raw))
                self._changed.set()
        except Exception:
            pass
        finally:
            self.close_code = ws.close_code
            self.closed.set()
            self._changed.set()

    async def disconnect(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            if self._reader is not None:
                with contextlib.suppress(Exception):
                    await self._reader
            self.ws = None

    async def send(self, frame: dict[str, Any] | str) -> None:
        assert self.ws is not None
        await self.ws.send(
            frame if isinstance(frame, str) else json.dumps(frame, ensure_ascii=False)
        )

    async def say(self, text: str, **extra: Any) -> str:
        client_id = secrets.token_hex(8)
        await self.send({"t": "text", "id": client_id, "text": text, **extra})
        return client_id

    async def press(self, label: str) -> None:
        """Presses the button with this label in the latest message that has it."""
        for frame in reversed(self.messages):
            for row in frame.get("buttons", []):
                for button in row:
                    if button["label"] == label:
                        await self.send({"t": "button", "id": secrets.token_hex(8),
                                         "seq": frame["seq"], "data": button["data"]})  # fmt: skip
                        return
        raise AssertionError(f"no button {label!r} in {[m.get('buttons') for m in self.messages]}")

    @property
    def messages(self) -> list[dict[str, Any]]:
        seen, out = set(), []
        for frame in self.frames:
            if frame.get("t") == "msg" and frame["seq"] not in seen:
                seen.add(frame["seq"])
                out.append(frame)
        return out

    @property
    def last_seq(self) -> int:
        return max((m["seq"] for m in self.messages), default=0)

    async def wait_for(self, predicate, timeout: float = 10.0, what: str = "a frame"):  # noqa: ASYNC109
        async def loop():
            while True:
                found = predicate()
                if found:
                    return found
                self._changed.clear()
                await self._changed.wait()

        try:
            return await asyncio.wait_for(loop(), timeout)
        except TimeoutError as error:
            raise AssertionError(
                f"timed out waiting for {what}; frames: {self.frames[-8:]}"
            ) from error

    async def wait_text(self, fragment: str, timeout: float = 10.0) -> dict[str, Any]:  # noqa: ASYNC109
        return await self.wait_for(
            lambda: next((m for m in self.messages if m["from"] != "me"
                          and fragment in text_of(m)), None),
            timeout, f"a message with {fragment!r}",
        )  # fmt: skip


def text_of(message: dict[str, Any]) -> str:
    return "".join(part["text"] for part in message.get("parts", []))
