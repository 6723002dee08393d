"""Runs the application without PTB's Updater: updates reach it only through the inbox.

Long polling (bot/inbox/polling.py) or Telegram's webhook (a Starlette route in
bot/http/server.py, under uvicorn in this event loop) store each update first; the
dispatcher hands stored updates to the handlers, one chat's in order. On start every update
not done is resumed; a sweep now and then picks up the chats of a process that died.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence

from starlette.routing import BaseRoute, Mount
from telegram import Update
from telegram.ext import Application

from bot.handlers.recovery import interrupted_handler
from bot.http.server import HttpServer, build_app, webhook_route
from bot.inbox.dispatcher import InboxDispatcher
from bot.inbox.polling import poll
from bot.inbox.store import InboxStore
from bot.settings import Settings

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram"
SWEEP_SECONDS = 5.0


async def serve(
    application: Application, settings: Settings, extra_routes: Sequence[BaseRoute] = ()
) -> None:
    """Runs until SIGINT or SIGTERM; webhook when WEBHOOK_URL is set, long polling otherwise."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await _serve(application, settings, extra_routes, stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _serve(application, settings: Settings, extra_routes, stop: asyncio.Event) -> None:
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        services = application.bot_data.services
        store = InboxStore(services.engine, exclusive=not services.locks.shared)
        dispatcher = InboxDispatcher(
            application, store, services.locks, interrupted=interrupted_handler(application)
        )
        await application.start()
        await dispatcher.resume()  # what the last run left, before anything new comes in
        await dispatcher.settle()
        if services.buyer_lanes is not None:  # and what it left unsent to buyers
            await services.buyer_lanes.resume()
        tasks = [asyncio.create_task(_sweep(dispatcher), name="inbox sweep")]
        server = None
        if settings.webhook_url:
            server = await _start_webhook(application, settings, store, dispatcher, extra_routes)
            tasks.append(server.task)
        else:
            tasks.append(asyncio.create_task(_poll(application, store, dispatcher), name="poll"))
        waiter = asyncio.create_task(stop.wait())
        finished, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for task in finished:
            if task is not waiter and task.exception() is not None:
                log.error("Stopping: %s", task.exception())
        waiter.cancel()
        if server is not None:
            await server.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await services.outbox_worker.stop()
        await dispatcher.aclose()
        await application.stop()
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


async def _start_webhook(application, settings, store, dispatcher, extra_routes) -> HttpServer:
    """One server for the webhook and, mounted after it, the web chat (when it is on)."""
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None

    async def accept(payload: dict) -> None:
        dispatcher.notify(await store.accept([payload]))

    routes = [webhook_route(WEBHOOK_PATH, accept, secret), *extra_routes]
    web_app = getattr(application.bot_data, "web_app", None)
    if web_app is not None:
        routes.append(Mount("", app=web_app))
    server = HttpServer(
        build_app(routes), settings.webhook_listen, settings.webhook_port,
        max_frame_bytes=settings.web_max_frame_bytes,
    )  # fmt: skip
    await server.start()
    if web_app is not None:
        log.info("Web chat served with the webhook on %s:%s", settings.webhook_listen, server.port)
    await application.bot.set_webhook(
        settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
    )
    return server


async def _poll(application, store, dispatcher) -> None:
    await poll(application.bot, store, dispatcher.notify)


async def _sweep(dispatcher: InboxDispatcher) -> None:
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            await dispatcher.resume()
        except Exception as error:  # the database away for a moment: the next sweep tries
            log.warning("Inbox sweep failed: %s", error)
