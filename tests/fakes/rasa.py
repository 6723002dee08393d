"""A Rasa server stand-in over real HTTP, answering what the test tells it to."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class FakeRasa:
    """Maps message texts to parses; anything unknown is `nlu_fallback`."""

    parses: dict[str, tuple[str, float, dict[str, str]]] = field(default_factory=dict)
    rankings: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    replies: dict[str, list[str]] = field(default_factory=dict)
    requests: list[tuple[str, dict]] = field(default_factory=list)
    url: str = ""

    def understands(self, text: str, intent: str, confidence: float = 0.95, **entities: str):
        self.parses[text] = (intent, confidence, entities)

    def ranks(self, text: str, ranking: list[tuple[str, float]], **entities: str) -> None:
        """The model answers with this whole ranking, best first (its intent is the first)."""
        self.understands(text, *ranking[0], **entities)
        self.rankings[text] = ranking

    def parse(self, text: str) -> dict:
        intent, confidence, entities = self.parses.get(text, ("nlu_fallback", 0.3, {}))
        ranking = self.rankings.get(text, [(intent, confidence)])
        return {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
            "entities": [{"entity": k, "value": v} for k, v in entities.items()],
        }

    def answer(self, path: str, body: dict) -> tuple[int, object]:
        self.requests.append((path, body))
        if path == "/model/parse":
            return 200, self.parse(body.get("text", ""))
        if path == "/webhooks/rest/webhook":
            texts = self.replies.get(body.get("message", ""), [])
            return 200, [{"recipient_id": body.get("sender"), "text": t} for t in texts]
        if path.startswith("/conversations/"):
            return 200, {"sender_id": path.split("/")[2]}
        if path == "/status":
            return 200, {"model_file": "fake.tar.gz"}
        return 404, {"error": "not found"}


@asynccontextmanager
async def serve_fake_rasa(rasa: FakeRasa, port: int = 0) -> AsyncIterator[FakeRasa]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        path = lines[0].split(" ")[1].split("?")[0]
        length = next(
            (int(h.split(":")[1]) for h in lines if h.lower().startswith("content-length:")), 0
        )
        raw = await reader.readexactly(length) if length else b"{}"
        status, payload = rasa.answer(path, json.loads(raw or b"{}"))
        body = json.dumps(payload).encode()
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, reuse_address=True)
    rasa.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield rasa
    finally:
        server.close()
        await server.wait_closed()
