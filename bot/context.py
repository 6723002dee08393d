"""The typed context handlers receive: `context.bot_data.services` instead of string keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.agents.desk import AgentDesk
from bot.channels.delivery import BuyerDelivery
from bot.channels.web.files import WebFiles
from bot.dossier.content import DossierService
from bot.evidence.downloads import EvidenceDownloader
from bot.evidence.service import EvidenceService
from bot.nlu import NluClient
from bot.outbox.lanes import LaneWorkers
from bot.outbox.worker import OutboxWorker
from bot.services.aftercare import AftercareService
from bot.services.assignment import AssignmentService
from bot.services.bans import BanService
from bot.services.clock import Clock
from bot.services.corrections import CorrectionService
from bot.services.followups import FollowUpService
from bot.services.groups import AgentGroupService
from bot.services.intake import IntakeService
from bot.services.merge import MergeService
from bot.services.message_versions import MessageVersions
from bot.services.people import PeopleService
from bot.services.prompts import PromptService
from bot.services.report import ReportService
from bot.services.shop_alerts import ShopAlertService
from bot.services.sla_watch import SlaWatch
from bot.services.stats import StatsService
from bot.services.tickets import TicketService
from bot.settings import Settings
from storage.db import SessionFactory
from storage.locks import Locks

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from bot.channels.telegram.outbox import TelegramOutbox
    from bot.channels.web.chat import WebChat
    from bot.channels.web.server import WebServer


@dataclass
class Services:
    """Everything with a lifecycle, built in post_init and closed in post_shutdown."""

    settings: Settings
    engine: AsyncEngine
    clock: Clock
    nlu: NluClient
    people: PeopleService
    tickets: TicketService
    intake: IntakeService
    followups: FollowUpService
    groups: AgentGroupService
    prompts: PromptService
    agents: AgentDesk
    aftercare: AftercareService
    sla: SlaWatch
    stats: StatsService
    locks: Locks
    outbox_worker: OutboxWorker
    corrections: CorrectionService
    merges: MergeService
    versions: MessageVersions
    bans: BanService
    assignment: AssignmentService
    evidence: EvidenceService
    downloads: EvidenceDownloader
    dossiers: DossierService
    reports: ReportService
    shop_alerts: ShopAlertService
    buyers: BuyerDelivery
    web_files: WebFiles
    sessions: SessionFactory
    web: WebChat | None = None  # the web chat, once it runs
    telegram_outbox: TelegramOutbox | None = None  # None without a Telegram token
    buyer_lanes: LaneWorkers | None = None


class BotData:
    """Application-wide data; `services` is set once the application has started."""

    services: Services
    web_server: WebServer | None = None  # the web chat's own server (long polling)
    web_app: ASGIApp | None = None  # the web chat, for the webhook's server to mount


Context = CallbackContext[ExtBot[None], dict, dict, BotData]
CONTEXT_TYPES = ContextTypes(context=CallbackContext, bot_data=BotData)
