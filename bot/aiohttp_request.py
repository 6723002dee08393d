"""PTB's Bot API connection on aiohttp instead of httpx.

PTB's own HTTPXRequest goes through httpx and httpcore, whose connection pool and pure-Python
HTTP parser (h11) cost a good share of the bot's CPU per update; aiohttp parses HTTP in C and
keeps its pool cheap. The contract is PTB's `BaseRequest`: `do_request` answers
`(status, body)` for any status and raises only `TimedOut` (a timeout, the pool full) or
`NetworkError` (anything else the connection did).

Timeouts as HTTPXRequest's, mapped to aiohttp's: `connect_timeout` bounds making a
connection, `pool_timeout` plus that bounds getting one (aiohttp counts the wait for a free
connection in its connect timeout), `read_timeout` bounds the wait for the answer after the
request is written (aiohttp starts it then, so a long upload is not cut by it; getUpdates
passes its long-poll time here). aiohttp has no timeout for writing: a request body that
stalls is ended by the operating system's TCP timeout, not by `write_timeout`, which is
accepted for the interface's sake.
"""

from __future__ import annotations

import re

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_TOKEN_IN_URL = re.compile(r"/(file/)?bot[^/\s]+/")


_DEFAULT = type(BaseRequest.DEFAULT_NONE)  # PTB's "not given", as HTTPXRequest tests it


def _pick(value, default: float | None) -> float | None:
    return default if isinstance(value, _DEFAULT) else value


def _sum(*parts: float | None) -> float | None:
    return None if any(p is None for p in parts) else sum(parts)  # type: ignore[arg-type]


class AiohttpRequest(BaseRequest):
    """A `telegram.request.BaseRequest` on one `aiohttp.ClientSession`."""

    __slots__ = ("_closed", "_connections", "_defaults", "_media_write_timeout", "_session")

    def __init__(
        self,
        connection_pool_size: int = 1,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._connections = connection_pool_size
        self._defaults = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    @property
    def read_timeout(self) -> float | None:
        return self._defaults[0]

    def _open(self) -> aiohttp.ClientSession:
        # Made in the running loop (aiohttp binds its connector to it), on first need.
        connector = aiohttp.TCPConnector(limit=self._connections, limit_per_host=0)
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self.USER_AGENT},
            timeout=aiohttp.ClientTimeout(total=None),
            # Telegram's answers are read whole, as `bytes`; no cookies are kept.
            cookie_jar=aiohttp.DummyCookieJar(),
            raise_for_status=False,
        )
        self._closed = False
        return self._session

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._open()

    async def shutdown(self) -> None:
        self._closed = True
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

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
        if self._closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        session = self._session if self._session is not None else self._open()
        default_read, _, default_connect, default_pool = self._defaults
        connect = _pick(connect_timeout, default_connect)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_sum(connect, _pick(pool_timeout, default_pool)),
            sock_connect=connect,
            sock_read=_pick(read_timeout, default_read),
        )
        try:
            async with session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            # aiohttp's own timeouts (ServerTimeoutError, ConnectionTimeoutError) are these too
            raise TimedOut(_described(error)) from None
        except (aiohttp.ClientError, OSError) as error:
            raise NetworkError(_described(error)) from None


def _described(error: BaseException) -> str:
    """The error for PTB's message, without the URL's token (some of aiohttp's name the URL);
    the aiohttp exception is not chained, for its text would carry the token into logs."""
    return _TOKEN_IN_URL.sub(r"/\1bot<token>/", f"aiohttp.{type(error).__name__}: {error}")


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """The parameters form-encoded as HTTPXRequest sends them (each value JSON-encoded), or
    multipart with the uploads; file names go out as UTF-8, not percent-quoted."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not request_data.contains_files:
        return fields or None
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mime) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime)
    return form
