"""The NLU client against a server that refuses, hangs, fails or talks nonsense."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

import pytest

from bot.nlu import NluClient, NluResult, NluUnavailable
from bot.nlu_model import free_port

GOOD_PARSE = (
    b'{"text": "x", "intent": {"name": "delivery", "confidence": 0.93},'
    b' "intent_ranking": [{"name": "delivery", "confidence": 0.93}],'
    b' "entities": [{"entity": "platform", "value": "jd"}]}'
)


def http_response(status: str, body: bytes, content_type: str = "application/json") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"Connection: close\r\n\r\n" + body


async def read_request(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await reader.readexactly(length)


Behaviour = Callable[[], bytes | None]


@pytest.fixture
async def fake_rasa() -> AsyncIterator[tuple[str, list[Behaviour]]]:
    """A raw HTTP server whose answers the test queues; None means never answer."""
    answers: list[Behaviour] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        answer = answers.pop(0)() if answers else http_response("200 OK", GOOD_PARSE)
        if answer is None:
            await asyncio.sleep(30)
        else:
            writer.write(answer)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", answers
    server.close()


async def test_refused_connection_is_unavailable() -> None:
    client = NluClient(f"http://127.0.0.1:{free_port()}", timeout=1.0)
    assert isinstance(await client.parse("我的快递丢了"), NluUnavailable)
    assert isinstance(await client.reply("u1", "你好", "zh"), NluUnavailable)
    await client.aclose()


async def test_timeout_is_unavailable(fake_rasa) -> None:
    url, answers = fake_rasa
    answers.append(lambda: None)
    client = NluClient(url, timeout=0.3)
    started = asyncio.get_running_loop().time()
    result = await client.parse("still waiting for my parcel")
    assert isinstance(result, NluUnavailable) and "Timeout" in result.reason
    assert asyncio.get_running_loop().time() - started < 2
    await client.aclose()


@pytest.mark.parametrize(
    "answer",
    [
        http_response("500 Internal Server Error", b'{"error": "boom"}'),
        http_response("502 Bad Gateway", b"<html>bad gateway</html>", "text/html"),
        http_response("200 OK", b"this is not json"),
        http_response("200 OK", b'{"text": "x"}'),
        http_response("200 OK", b'{"intent": {"name": 5, "confidence": "high"}}'),
        http_response("200 OK", b"[1, 2, 3]"),
    ],
    ids=["500", "502-html", "bad-json", "no-intent", "wrong-types", "list"],
)
async def test_bad_answers_are_unavailable(fake_rasa, answer: bytes) -> None:
    url, answers = fake_rasa
    answers.append(lambda: answer)
    client = NluClient(url, timeout=1.0)
    assert isinstance(await client.parse("假货"), NluUnavailable)
    await client.aclose()


async def test_unavailability_is_logged_once_and_recovery_noted(fake_rasa, caplog) -> None:
    url, answers = fake_rasa
    failure = http_response("500 Internal Server Error", b"{}")
    answers.extend([lambda: failure] * 3)
    client = NluClient(url, timeout=1.0)
    with caplog.at_level(logging.INFO, logger="bot.nlu"):
        for _ in range(3):
            assert isinstance(await client.parse("退款"), NluUnavailable)
        result = await client.parse("退款")
    assert isinstance(result, NluResult) and result.intent == "delivery"
    assert result.entities == {"platform": "jd"}
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert any("answering again" in r.getMessage() for r in caplog.records)
    await client.aclose()
