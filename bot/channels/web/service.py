"""Starts the web chat beside whatever else runs in this event loop."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.channels.web.app import build_web_app
from bot.channels.web.chat import WebChat
from bot.channels.web.server import WebServer
from bot.channels.web.visitors import CHANNEL

if TYPE_CHECKING:
    from telegram import Bot

    from bot.context import Services

log = logging.getLogger(__name__)


async def start_web_chat(services: Services, bot: Bot | None) -> WebServer:
    """The web channel joins buyer delivery; its server listens on WEB_HOST:WEB_PORT."""
    settings = services.settings
    chat = WebChat(services, bot)
    services.buyers.add_channel(CHANNEL, chat)
    services.web = chat
    server = WebServer(
        build_web_app(chat, settings),
        settings.web_host,
        settings.web_port,
        max_frame_bytes=settings.web_max_frame_bytes,
    )
    await server.start()
    address = settings.web_public_url or f"http://{settings.web_host}:{server.port}"
    log.info("Web chat listening on %s:%s; open %s", settings.web_host, server.port, address)
    return server
