"""Starts the web chat beside whatever else runs in this event loop."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.channels.web.app import build_web_app
from bot.channels.web.chat import WebChat
from bot.channels.web.server import WebServer
from bot.channels.web.visitors import CHANNEL

if TYPE_CHECKING:
    from starlette.types import ASGIApp
    from telegram import Bot

    from bot.context import Services

log = logging.getLogger(__name__)


def web_chat_app(services: Services, bot: Bot | None) -> ASGIApp:
    """The web channel joins buyer delivery; returns its app, for a server to carry."""
    chat = WebChat(services, bot)
    services.buyers.add_channel(CHANNEL, chat)
    services.web = chat
    return build_web_app(chat, services.settings)


async def start_web_chat(services: Services, bot: Bot | None) -> WebServer:
    """The web chat on a server of its own, listening on WEB_HOST:WEB_PORT."""
    settings = services.settings
    server = WebServer(
        web_chat_app(services, bot),
        settings.web_host,
        settings.web_port,
        max_frame_bytes=settings.web_max_frame_bytes,
    )
    await server.start()
    address = settings.web_public_url or f"http://{settings.web_host}:{server.port}"
    log.info("Web chat listening on %s:%s; open %s", settings.web_host, server.port, address)
    return server
