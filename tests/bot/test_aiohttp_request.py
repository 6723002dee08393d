"""The Bot API client on aiohttp, against the fake Bot API over real HTTP: what PTB expects of
a `BaseRequest` (errors mapped to TimedOut / NetworkError, timeouts, uploads, downloads)."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut

from bot.aiohttp_request import AiohttpRequest
from bot.nlu_model import free_port
from bot.telegram_request import RetryingRequest
from tests.fakes import FakeTelegram, serve_fake_telegram


@pytest.fixture
async def served():
    fake = FakeTelegram()
    async with serve_fake_telegram(fake) as base_url:
        yield fake, base_url


def bot_for(fake: FakeTelegram, base_url: str, request: AiohttpRequest) -> Bot:
    return Bot(
        fake.token,
        base_url=f"{base_url}/bot",
        base_file_url=f"{base_url}/file/bot",
        request=request,
        get_updates_request=request,
    )


async def test_a_refused_connection_is_a_network_error() -> None:
    bot = Bot("1:x", base_url=f"http://127.0.0.1:{free_port()}/bot", request=AiohttpRequest())
    with pytest.raises(NetworkError) as raised:
        await bot.initialize()
    assert not isinstance(raised.value, TimedOut)
    assert "aiohttp.ClientConnectorError" in str(raised.value)
    await bot.shutdown()


async def test_an_answer_later_than_the_read_timeout_is_timed_out(served) -> None:
    fake, base_url = served
    buyer = fake.add_user("李雷", started=True)
    release = fake.hold_answers("sendMessage")
    try:
        async with bot_for(fake, base_url, AiohttpRequest(read_timeout=0.2)) as bot:
            started = time.monotonic()
            with pytest.raises(TimedOut):
                await bot.send_message(buyer.id, "您好")
            assert time.monotonic() - started < 2
    finally:
        release.set()


async def test_a_timeout_is_retried_then_raised_as_timed_out(served) -> None:
    fake, base_url = served
    buyer = fake.add_user("李雷", started=True)
    release = fake.hold_answers("sendMessage")
    request = RetryingRequest(attempts=2, max_wait=0.05, read_timeout=0.2)
    try:
        async with bot_for(fake, base_url, request) as bot:
            with pytest.raises(TimedOut):
                await bot.send_message(buyer.id, "您好")
    finally:
        release.set()
    assert len(fake.calls_of("sendMessage")) == 2


async def test_a_5xx_is_retried(served) -> None:
    fake, base_url = served
    buyer = fake.add_user("李雷", started=True)
    fake.fail_next("sendMessage", 2, status=503)
    async with bot_for(fake, base_url, RetryingRequest(attempts=4, max_wait=0.05)) as bot:
        await bot.send_message(buyer.id, "您好")
    assert [c.ok for c in fake.calls_of("sendMessage")] == [False, False, True]
    assert [m.content for m in fake.sent_to(buyer)] == ["您好"]


async def test_long_polling_waits_past_the_read_timeout(served) -> None:
    """getUpdates adds its long-poll time to the read timeout (as PTB asks of a request)."""
    fake, base_url = served
    async with bot_for(fake, base_url, AiohttpRequest(read_timeout=0.2)) as bot:
        started = time.monotonic()
        assert await bot.get_updates(timeout=1) == ()
        assert time.monotonic() - started >= 0.9


async def test_an_upload_keeps_its_chinese_file_name_and_a_download_its_bytes(served) -> None:
    fake, base_url = served
    buyer = fake.add_user("李雷", started=True)
    content = b"%PDF-1.4 " + bytes(range(256)) * 40
    async with bot_for(fake, base_url, AiohttpRequest()) as bot:
        message = await bot.send_document(
            buyer.id,
            InputFile(content, filename="投诉 档案 #1.pdf"),
            caption="<b>档案</b>",
            parse_mode="HTML",
        )
        assert message.document.file_name == "投诉 档案 #1.pdf"
        assert message.caption == "档案"  # parse_mode is a form field beside the file
        assert fake.file_bytes(message.document.file_id) == content
        downloaded = await (await bot.get_file(message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == content


async def test_calls_at_once_share_the_pool(served) -> None:
    fake, base_url = served
    buyers = [fake.add_user(f"买家{i}", started=True) for i in range(12)]
    async with bot_for(fake, base_url, AiohttpRequest(connection_pool_size=3)) as bot:
        await asyncio.gather(*(bot.send_message(b.id, f"第{i}条") for i, b in enumerate(buyers)))
    assert [[m.content for m in fake.sent_to(b)] for b in buyers] == [
        [f"第{i}条"] for i in range(12)
    ]


async def test_after_shutdown_a_call_is_refused_and_initialize_opens_again(served) -> None:
    fake, base_url = served
    request = AiohttpRequest()
    bot = bot_for(fake, base_url, request)
    async with bot:
        pass
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post(f"{base_url}/bot{fake.token}/getMe")
    async with bot:
        assert (await bot.get_me()).id == fake.bot.id


def test_an_error_naming_the_url_does_not_carry_the_token() -> None:
    from bot.aiohttp_request import _described

    error = OSError("Can not write request body for http://api/bot123:secret-part/sendMessage")
    assert "secret-part" not in _described(error)
    assert "/bot<token>/sendMessage" in _described(error)
