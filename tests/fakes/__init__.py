"""Fakes of outside services for the tests. ``FakeTelegram`` is the Telegram Bot API.

from tests.fakes import FakeTelegram, application_builder

fake = FakeTelegram()
alice = fake.add_user("Alice", language_code="zh-hans")
app = application_builder(fake).build()      # PTB through FakeRequest, no network
# or, for a bot in a subprocess:
# async with serve_fake_telegram(fake) as base_url: ...   (tests.fakes.http_server)
"""

from typing import Any

from tests.fakes.ptb_request import FakeRequest, application_builder, make_bot, polling
from tests.fakes.telegram import ApiError, Call, FakeChat, FakeTelegram, FakeUser, Msg
from tests.fakes.telegram_state import FakeTopic, make_png

__all__ = [
    "ApiError",
    "Call",
    "FakeChat",
    "FakeRequest",
    "FakeTelegram",
    "FakeTopic",
    "FakeUser",
    "Msg",
    "application_builder",
    "make_bot",
    "make_png",
    "polling",
    "serve_fake_telegram",
]


def __getattr__(name: str) -> Any:
    # aiohttp is imported only by the tests that serve the fake over HTTP
    if name == "serve_fake_telegram":
        from tests.fakes.http_server import serve_fake_telegram

        return serve_fake_telegram
    raise AttributeError(name)
