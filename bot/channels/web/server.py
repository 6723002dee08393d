"""The web chat's HTTP server: uvicorn in the event loop the bot already runs.

Until the Telegram webhook's own Starlette app hosts these routes as well (see
`bot.channels.web.app.web_routes`), this module starts a server of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import uvicorn
from starlette.types import ASGIApp

log = logging.getLogger(__name__)


class _QuietServer(uvicorn.Server):
    """Leaves the signals to whoever owns the process (the bot, or the run command)."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


class WebServer:
    def __init__(self, app: ASGIApp, host: str, port: int, *, max_frame_bytes: int) -> None:
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
        self._server = _QuietServer(config)
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        """Starts serving and returns once the socket listens (or raises if it cannot)."""
        self._task = asyncio.create_task(self._server.serve(), name="web-chat")
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises what stopped it
                raise RuntimeError("the web chat server stopped before it started")
            await asyncio.sleep(0.02)

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0 in tests)."""
        for server in self._server.servers:
            for sock in server.sockets:
                return sock.getsockname()[1]
        return self._server.config.port

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
