"""The Bot API connection retries 5xx answers and dropped connections, then gives up."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import NetworkError

from bot.telegram_request import RetryingRequest
from tests.fakes import FakeTelegram, serve_fake_telegram


@pytest.fixture
async def served():
    fake = FakeTelegram()
    async with serve_fake_telegram(fake) as base_url:
        yield fake, base_url


def bot_for(fake: FakeTelegram, base_url: str, request: RetryingRequest) -> Bot:
    return Bot(fake.token, base_url=f"{base_url}/bot", request=request)


async def test_a_while_of_5xx_is_retried_and_the_message_sent(served) -> None:
    fake, base_url = served
    buyer = fake.add_user("李雷", started=True)
    fake.fail_next("sendMessage", 3, status=502)
    async with bot_for(fake, base_url, RetryingRequest(attempts=5, max_wait=0.05)) as bot:
        await bot.send_message(buyer.id, "您好")
    assert [m.content for m in fake.sent_to(buyer)] == ["您好"]
    assert [c.ok for c in fake.calls_of("sendMessage")] == [False, False, False, True]


async def test_a_lasting_outage_raises_after_the_attempts(served) -> None:
    fake, base_url = served
    buyer = fake.add_user("李雷", started=True)
    fake.fail_next("sendMessage", 10, status=500)
    async with bot_for(fake, base_url, RetryingRequest(attempts=3, max_wait=0.05)) as bot:
        with pytest.raises(NetworkError):
            await bot.send_message(buyer.id, "您好")
    assert len(fake.calls_of("sendMessage")) == 3 and fake.sent_to(buyer) == []


async def test_a_refused_connection_is_retried_then_raised() -> None:
    from bot.nlu_model import free_port

    request = RetryingRequest(attempts=2, max_wait=0.05)
    bot = Bot("1:x", base_url=f"http://127.0.0.1:{free_port()}/bot", request=request)
    with pytest.raises(NetworkError):
        await bot.initialize()


async def test_a_client_error_is_not_retried(served) -> None:
    fake, base_url = served
    async with bot_for(fake, base_url, RetryingRequest(attempts=5, max_wait=0.05)) as bot:
        with pytest.raises(Exception, match="(?i)chat not found"):
            await bot.send_message(424242, "您好")
    assert len(fake.calls_of("sendMessage")) == 1
