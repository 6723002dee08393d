"""A Starlette app under uvicorn, in the bot's own event loop.

`build_app(routes)` takes every route the service serves (the Telegram webhook from
`webhook_route`, a web chat's pages later), so one server carries them all.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
StoreUpdate = Callable[[dict], Awaitable[None]]


def webhook_route(path: str, store: StoreUpdate, secret: str | None) -> Route:
    """Telegram's POST: the secret checked, the update stored, and only then 200."""

    async def receive(request: Request) -> Response:
        if secret is not None and not hmac.compare_digest(
            request.headers.get(SECRET_HEADER, ""), secret
        ):
            return PlainTextResponse("forbidden", status_code=403)
        try:
            payload = json.loads(await request.body())
            valid = isinstance(payload, dict) and isinstance(payload.get("update_id"), int)
        except (ValueError, UnicodeDecodeError):
            valid = False
        if not valid:
            return PlainTextResponse("not an update", status_code=400)
        try:
            await store(payload)
        except Exception:  # not stored: Telegram must send it again
            log.exception("Could not store update %s", payload.get("update_id"))
            return PlainTextResponse("try again", status_code=503)
        return Response(status_code=200)

    return Route(path, receive, methods=["POST"])


def health_route() -> Route:
    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    return Route("/healthz", health, methods=["GET"])


def build_app(routes: Sequence[BaseRoute]) -> Starlette:
    """One app for every route the service serves."""
    return Starlette(routes=[health_route(), *routes])


class _Server(uvicorn.Server):
    """uvicorn without signal handlers of its own: the bot's runner owns Ctrl-C."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


class HttpServer:
    """Serves `app` on host:port until `stop()`."""

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        config = uvicorn.Config(
            app, host=host, port=port, lifespan="off", log_level="warning", access_log=False
        )
        self._server = _Server(config)

    async def serve(self) -> None:
        await self._server.serve()

    @property
    def started(self) -> bool:
        return self._server.started

    def stop(self) -> None:
        self._server.should_exit = True


def routes_of(*groups: Iterable[BaseRoute]) -> list[BaseRoute]:
    return [route for group in groups for route in group]
