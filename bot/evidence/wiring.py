"""How the evidence store, the dossiers and the recurring-problem reports join the
application: their services and their periodic jobs."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot
from telegram.ext import JobQueue

from bot.dossier.content import DossierService
from bot.evidence.downloads import EvidenceDownloader
from bot.evidence.service import EvidenceService
from bot.evidence.store import FolderStore
from bot.handlers.report_jobs import alert_busy_shops
from bot.services.clock import Clock
from bot.services.report import ReportService
from bot.services.shop_alerts import ShopAlertService
from bot.settings import Settings
from storage.db import SessionFactory

log = logging.getLogger(__name__)

SHOP_ALERT_CHECK = timedelta(minutes=10)


def evidence_services(
    sessions: SessionFactory, settings: Settings, bot: Bot | None, clock: Clock, desk
) -> dict:
    """The `evidence`, `downloads`, `dossiers`, `reports` and `shop_alerts` services; a
    settled download refreshes the ticket's card."""
    store = FolderStore(settings.effective_evidence_dir)
    evidence = EvidenceService(sessions, store)
    reports = ReportService(sessions, clock, settings.timezone)

    async def settled(number: str) -> None:
        await desk.refresh_card(await desk.tickets.get(number))

    return {
        "evidence": evidence,
        "downloads": EvidenceDownloader(
            sessions, store, bot, clock, on_settled=settled, web_files=desk.files
        ),
        "dossiers": DossierService(sessions, desk.tickets, evidence, clock),
        "reports": reports,
        "shop_alerts": ShopAlertService(
            sessions, reports, desk.tickets, clock, settings.shop_alert_threshold
        ),
    }


def schedule_evidence_jobs(job_queue: JobQueue, settings: Settings) -> None:
    """Evidence downloads every EVIDENCE_CHECK_SECONDS, the shop alert every 10 minutes."""
    job_queue.run_repeating(
        fetch_evidence, settings.evidence_check_seconds, first=timedelta(seconds=2)
    )
    job_queue.run_repeating(alert_busy_shops, SHOP_ALERT_CHECK, first=timedelta(minutes=1))


async def fetch_evidence(context) -> None:
    """Fetches the files Telegram has not yet given into the evidence store."""
    downloads = context.bot_data.services.downloads
    while await downloads.run_once() > 0:
        pass  # a batch settled: there may be more due right now
