"""How the evidence store joins the application: its services and its periodic job."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot
from telegram.ext import JobQueue

from bot.evidence.downloads import EvidenceDownloader
from bot.evidence.service import EvidenceService
from bot.evidence.store import FolderStore
from bot.services.clock import Clock
from bot.settings import Settings
from storage.db import SessionFactory

log = logging.getLogger(__name__)


def evidence_services(
    sessions: SessionFactory, settings: Settings, bot: Bot, clock: Clock, desk
) -> dict:
    """The `evidence` and `downloads` services; a settled download refreshes the card."""
    store = FolderStore(settings.effective_evidence_dir)

    async def settled(number: str) -> None:
        await desk.refresh_card(await desk.tickets.get(number))

    return {
        "evidence": EvidenceService(sessions, store),
        "downloads": EvidenceDownloader(sessions, store, bot, clock, on_settled=settled),
    }


def schedule_evidence_jobs(job_queue: JobQueue, settings: Settings) -> None:
    job_queue.run_repeating(
        fetch_evidence, settings.evidence_check_seconds, first=timedelta(seconds=2)
    )


async def fetch_evidence(context) -> None:
    """Fetches the files Telegram has not yet given into the evidence store."""
    downloads = context.bot_data.services.downloads
    while await downloads.run_once() > 0:
        pass  # a batch settled: there may be more due right now
