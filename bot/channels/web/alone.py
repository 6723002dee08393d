"""The service without a Telegram token: the web chat alone, with the periodic jobs.

Tickets wait for the agents' group exactly as they do before a group is linked; once a
token is set, the next start posts them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import timedelta
from types import SimpleNamespace

from bot.services.clock import Clock, utc_now
from bot.settings import Settings

log = logging.getLogger(__name__)

JOB_PERIOD = timedelta(minutes=1)


async def serve_web_only(settings: Settings, clock: Clock = utc_now, *, announce=print) -> None:
    """Runs until SIGINT or SIGTERM."""
    from bot.app import build_services
    from bot.channels.web.service import start_web_chat
    from bot.handlers import jobs

    services = build_services(settings, clock, None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    server = await start_web_chat(services, None)
    address = settings.web_public_url or f"http://{settings.web_host}:{server.port}"
    announce(
        f"Web chat ready: {address}\n"
        "No TELEGRAM_BOT_TOKEN, so Telegram is off: tickets wait for the agents' group."
    )
    # The same periodic jobs the bot runs (expired drafts, auto-close), without Telegram.
    context = SimpleNamespace(bot_data=SimpleNamespace(services=services), bot=None)
    try:
        while not stop.is_set():
            for job in (jobs.expire_drafts, jobs.close_stale_tickets, jobs.watch_deadlines):
                try:
                    await job(context)
                except Exception:
                    log.exception("Periodic job %s failed", job.__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), JOB_PERIOD.total_seconds())
    finally:
        await server.stop()
        await services.nlu.aclose()
        await services.engine.dispose()
