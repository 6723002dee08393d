"""The Bot API connection: Telegram's 5xx answers and dropped connections are retried.

429 (flood control) is retried by PTB's AIORateLimiter with Telegram's retry_after; this
layer covers what that does not: a Bot API that answers 5xx or drops the connection for a
while. A retried send can, rarely, deliver a message twice; losing an answer is worse.

A call that shows something (a message, an edit, a topic) made while an update is handled
first marks that update done in the inbox (storage/effects.py): what was shown is never
shown again by a re-run after a crash.
"""

from __future__ import annotations

import logging

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from tenacity import (
    AsyncRetrying,
    RetryError,
    before_sleep_log,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from bot.aiohttp_request import AiohttpRequest
from storage.effects import before_visible_effect

log = logging.getLogger(__name__)

# Connections to the Bot API kept open. With one, every concurrent call (the buyers' lanes
# send at once) queues for it.
CONNECTIONS = 8

# Bot API calls that show nothing to anyone; answerCallbackQuery only stops a spinner.
QUIET_METHODS = frozenset({"answercallbackquery", "sendchataction", "deletewebhook"})


def _shows_something(url: str) -> bool:
    if "/file/bot" in url:
        return False
    method = url.rsplit("/", 1)[-1].lower()
    return not (method.startswith("get") or method in QUIET_METHODS)


class ServerError(NetworkError):
    """The Bot API answered with a 5xx status."""

    def __init__(self, status: int, payload: bytes) -> None:
        super().__init__(f"Bot API answered {status}")
        self.status, self.payload = status, payload


class RetryingRequest(AiohttpRequest):
    """AiohttpRequest that tries again, with exponential backoff, on 5xx and network errors."""

    def __init__(self, *args, attempts: int = 5, max_wait: float = 8.0, **kwargs) -> None:
        kwargs.setdefault("connection_pool_size", CONNECTIONS)
        super().__init__(*args, **kwargs)
        self._attempts, self._max_wait = attempts, max_wait

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
        if _shows_something(url):
            await before_visible_effect()
        retrying = AsyncRetrying(
            retry=retry_if_exception_type((NetworkError, TimedOut)),
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential(multiplier=0.25, max=self._max_wait),
            before_sleep=before_sleep_log(log, logging.WARNING),
            reraise=False,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    status, payload = await super().do_request(
                        url, method, request_data, read_timeout, write_timeout,
                        connect_timeout, pool_timeout,
                    )  # fmt: skip
                    if status >= 500:
                        raise ServerError(status, payload)
                    return status, payload
        except RetryError as error:
            last = error.last_attempt.exception()
            if isinstance(last, ServerError):
                return last.status, last.payload  # PTB turns it into its own error
            raise last from error
        raise AssertionError("unreachable: tenacity either returns or raises")
