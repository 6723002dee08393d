"""The web chat's HTTP server when it has one of its own: long polling, or no Telegram.

In webhook mode the web chat is mounted into the webhook's app instead (bot/runner.py), so
one server carries both.
"""

from __future__ import annotations

from bot.http.server import HttpServer


class WebServer(HttpServer):
    """uvicorn for the web chat alone; `max_frame_bytes` is required (WEB_MAX_FRAME_BYTES)."""

    def __init__(self, app, host: str, port: int, *, max_frame_bytes: int) -> None:
        super().__init__(app, host, port, max_frame_bytes=max_frame_bytes)
