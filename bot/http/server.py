"""A Starlette app under uvicorn, in the bot's own event loop.

`build_app(routes)` takes every route the service serves (the Telegram webhook from
`webhook_route`, the web chat mounted after it), so one server carries them all.
"""

from __future__ import annotations

import asyncio
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
from starlette.types import ASGIApp

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
    """Serves `app` on host:port (uvicorn, in the running event loop) until `stop()`.

    One server carries every route: the Telegram webhook and, mounted beside it, the web
    chat (whose WebSocket frames are limited to `max_frame_bytes`)."""

    def __init__(
        self, app: ASGIApp, host: str, port: int, *, max_frame_bytes: int = 16 * 1024 * 1024
    ) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            ws="websockets-sansio",
            ws_max_size=max_frame_bytes,
            lifespan="off",
            access_log=False,  # paths carry no secrets, but addresses are personal data
            log_level="warning",
            server_header=False,
        )
        self._server = _Server(config)
        self.task: asyncio.Task | None = None

    async def start(self) -> None:
        """Starts serving and returns once the socket listens (or raises if it cannot)."""
        self.task = asyncio.create_task(self._server.serve(), name="http server")
        while not self._server.started:
            if self.task.done():
                self.task.result()  # raises what stopped it (the port is taken, say)
                raise RuntimeError("the HTTP server stopped before it started")
            await asyncio.sleep(0.02)

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0 in tests)."""
        for server in self._server.servers:
            for sock in server.sockets:
                return sock.getsockname()[1]
        return self._server.config.port

    async def stop(self) -> None:
        if self.task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        self.task = None


def routes_of(*groups: Iterable[BaseRoute]) -> list[BaseRoute]:
    return [route for group in groups for route in group]
