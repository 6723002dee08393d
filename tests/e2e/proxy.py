"""A small round-robin proxy: one webhook URL in front of several bot processes."""

from __future__ import annotations

import itertools

import aiohttp
from aiohttp import web

from bot.nlu_model import free_port


class RoundRobin:
    """Telegram's webhook POSTs, passed to the bots in turn; a bot that is down gets 502."""

    def __init__(self, ports: list[int]) -> None:
        self._next = itertools.cycle(ports)
        self.port = free_port()
        self.session: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.Response:
        port = next(self._next)
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-telegram")}
        try:
            async with self.session.post(
                f"http://127.0.0.1:{port}{request.path}", data=await request.read(),
                headers={**headers, "Content-Type": "application/json"},
            ) as answer:  # fmt: skip
                return web.Response(status=answer.status, body=await answer.read())
        except aiohttp.ClientError:
            return web.Response(status=502)

    async def __aenter__(self) -> RoundRobin:
        self.session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_post("/telegram", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *_) -> None:
        await self._runner.cleanup()
        await self.session.close()
