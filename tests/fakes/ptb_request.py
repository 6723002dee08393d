"""PTB's ``BaseRequest`` answered by a ``FakeTelegram``, without any network.

    fake = FakeTelegram()
    bot = make_bot(fake)                   # a telegram.Bot; `async with bot:` calls getMe
    app = application_builder(fake).build()  # or: ApplicationBuilder().token(fake.token)
    #     .request(FakeRequest(fake)).get_updates_request(FakeRequest(fake)).build()
    async with polling(app):                 # initialize, start, poll; stop on exit
        fake.send_command(alice, "start")
        await fake.wait_for_sent(alice)

PTB sends every call through ``do_request``: the method comes from the URL, the parameters are
``RequestData.json_parameters`` (as HTTPX would form-encode them; the fake types them as Telegram
does) and the uploads ``RequestData.multipart_data``. File downloads (``File.download_*``) reach
``do_request`` with GET on ``.../file/bot<token>/<file_path>`` and get the stored bytes.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

from telegram import Bot
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest, RequestData

from tests.fakes.telegram import FakeTelegram

_METHOD_URL = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[^/?]+)/?(?:\?.*)?$")
_FILE_URL = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")
_TOKEN_SHAPE = re.compile(r"^\d+:[\w-]{30,}$")


def token_error(fake: FakeTelegram, token: str) -> tuple[int, dict] | None:
    """Telegram's answer to a wrong token: 401 for a well-formed one, 404 otherwise."""
    if token == fake.token:
        return None
    if _TOKEN_SHAPE.match(token):
        return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
    return 404, {"ok": False, "error_code": 404, "description": "Not Found"}


def download(fake: FakeTelegram, token: str, path: str) -> tuple[int, bytes]:
    """The answer of ``/file/bot<token>/<path>``: the file's bytes, or Telegram's 404/401."""
    error = token_error(fake, token)
    if error is not None:
        return error[0], json.dumps(error[1]).encode()
    fake_file = fake.files_by_path.get(path)
    if fake_file is None:
        body = {"ok": False, "error_code": 404, "description": "Not Found"}
        return 404, json.dumps(body).encode()
    return 200, fake_file.data


class FakeRequest(BaseRequest):
    """A PTB request object whose Telegram is a ``FakeTelegram``."""

    __slots__ = ("_fake", "_read_timeout", "_initialized")

    def __init__(self, fake: FakeTelegram, read_timeout: float | None = 5.0):
        self._fake = fake
        self._read_timeout = read_timeout
        self._initialized = False

    @property
    def fake(self) -> FakeTelegram:
        return self._fake

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        self._initialized = True

    async def shutdown(self) -> None:
        self._initialized = False

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=BaseRequest.DEFAULT_NONE,
        write_timeout=BaseRequest.DEFAULT_NONE,
        connect_timeout=BaseRequest.DEFAULT_NONE,
        pool_timeout=BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        file_match = _FILE_URL.search(url)
        if file_match:  # PTB percent-encodes download URLs (the token's ":" too)
            return download(self._fake, unquote(file_match["token"]), unquote(file_match["path"]))
        match = _METHOD_URL.search(url)
        if match is None:
            return 404, json.dumps(
                {"ok": False, "error_code": 404, "description": "Not Found"}
            ).encode()
        error = token_error(self._fake, match["token"])
        if error is not None:
            return error[0], json.dumps(error[1]).encode()
        params = dict(request_data.json_parameters) if request_data else {}
        files = {}
        if request_data and request_data.contains_files:
            for name, (file_name, content, mime) in request_data.multipart_data.items():
                data = content.read() if hasattr(content, "read") else content
                files[name] = (file_name, bytes(data), mime)
        status, body = await self._fake.call(match["method"], params, files)
        return status, json.dumps(body).encode()


def make_bot(fake: FakeTelegram, **bot_kwargs) -> Bot:
    """A ``telegram.Bot`` talking to the fake (initialize it: ``async with bot:``)."""
    return Bot(
        fake.token,
        request=FakeRequest(fake),
        get_updates_request=FakeRequest(fake),
        **bot_kwargs,
    )


def application_builder(fake: FakeTelegram) -> ApplicationBuilder:
    """An ``ApplicationBuilder`` with the fake's token and requests; add handlers and build()."""
    return (
        ApplicationBuilder()
        .token(fake.token)
        .request(FakeRequest(fake))
        .get_updates_request(FakeRequest(fake))
    )


@contextlib.asynccontextmanager
async def polling(app: Application, **start_polling_kwargs: Any) -> AsyncIterator[Application]:
    """Run an Application with long polling for the duration of the block, then stop it."""
    await app.initialize()
    await app.start()
    await app.updater.start_polling(**start_polling_kwargs)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
