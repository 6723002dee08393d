"""The composition root: the only place where the application is wired together."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.agents.desk import AgentDesk
from bot.agents.posting import CardWriter, GroupPoster
from bot.aiohttp_request import AiohttpRequest
from bot.channels.delivery import BuyerDelivery
from bot.channels.telegram import buyer
from bot.channels.telegram.buyer_topics import BuyerTopics
from bot.channels.telegram.delivery import TelegramBuyers
from bot.channels.telegram.outbox import TelegramOutbox
from bot.channels.telegram.queued_files import QueuedFiles
from bot.channels.web.files import WebFiles
from bot.context import CONTEXT_TYPES, BotData, Context, Services
from bot.conversation.commands import COMMANDS
from bot.evidence.wiring import evidence_services, schedule_evidence_jobs
from bot.flood import FloodGuard
from bot.handlers import (
    agent_buttons,
    agent_category,
    agent_commands,
    agent_messages,
    agent_moderation,
    agent_stats,
    dossier,
    errors,
    jobs,
)
from bot.nlu import NluClient
from bot.outbox.budget import SendBudgetShared
from bot.outbox.followups import Followups
from bot.outbox.lanes import LaneWorkers
from bot.outbox.store import BUYER_PREFIX, OutboxStore
from bot.outbox.worker import ItemSender, OutboxWorker
from bot.services.aftercare import AftercareService
from bot.services.assignment import AssignmentService
from bot.services.bans import BanService
from bot.services.clock import Clock, utc_now
from bot.services.corrections import CorrectionService
from bot.services.followups import FollowUpService
from bot.services.groups import AgentGroupService
from bot.services.intake import IntakeService
from bot.services.merge import MergeService
from bot.services.message_versions import MessageVersions
from bot.services.people import PeopleService
from bot.services.prompts import POSTED as PROMPT_POSTED
from bot.services.prompts import PromptService
from bot.services.sla import SlaHours
from bot.services.sla_watch import SlaWatch
from bot.services.stats import StatsService
from bot.services.tickets import TicketService
from bot.settings import Settings
from bot.telegram_request import RetryingRequest
from bot.update_processor import PerChatUpdateProcessor
from storage.db import create_engine, create_session_factory
from storage.locks import Locks

log = logging.getLogger(__name__)

DRAFT_EXPIRY_CHECK = timedelta(minutes=10)
PENDING_CARDS_CHECK = timedelta(minutes=1)
AUTO_CLOSE_CHECK = timedelta(minutes=10)
QUEUED_FILES_SWEEP = timedelta(hours=1)
PRIVATE = filters.ChatType.PRIVATE
BUYER_COMMANDS = tuple(COMMANDS)
GROUPS = filters.ChatType.GROUPS
MEDIA = (
    filters.PHOTO | filters.VIDEO | filters.Document.ALL | filters.VOICE | filters.AUDIO
    | filters.VIDEO_NOTE | filters.ANIMATION
)  # fmt: skip
SHARED = filters.Sticker.ALL | filters.LOCATION | filters.VENUE | filters.CONTACT
UNSUPPORTED = filters.POLL | filters.Dice.ALL | filters.GAME | filters.STORY


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock = utc_now,
) -> Application:
    """Builds the bot; tests pass a `request` that talks to a fake Bot API."""
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    api = settings.telegram_api_url.rstrip("/")
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .context_types(CONTEXT_TYPES)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW))
        .concurrent_updates(PerChatUpdateProcessor())
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=settings.telegram_max_messages_per_second,
                group_max_rate=settings.telegram_group_messages_per_minute,
                group_time_period=60,
                max_retries=5,
            )
        )
        .post_init(_starter(settings, clock))
        .post_shutdown(_stop)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        # getUpdates on a connection of its own, not retried here: bot/inbox/polling.py
        # waits and asks again itself.
        builder = builder.request(RetryingRequest()).get_updates_request(AiohttpRequest())
    application = builder.build()
    _register_handlers(application, settings)
    return application


_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def _register_handlers(application: Application, settings: Settings) -> None:
    # Group -1 runs first: a buyer flooding the bot is stopped before any other handler.
    # (A banned buyer is screened by the conversation core, on every channel.)
    guard = FloodGuard(settings.flood_burst, settings.flood_period_seconds)
    application.add_handler(TypeHandler(Update, guard), group=-1)
    # Group 0: the buyer's private chat. Order matters: commands before free text, and
    # the catch-all for unsupported kinds last, so nothing a buyer sends goes unanswered.
    # /dossier sends files (a PDF, a ZIP), which only the Telegram adapter can do for now.
    application.add_handler(CommandHandler("dossier", dossier.buyer_dossier, filters=PRIVATE))
    for name in BUYER_COMMANDS:
        application.add_handler(CommandHandler(name, buyer.on_command, filters=PRIVATE))
    application.add_handler(
        MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, buyer.on_edited)
    )
    application.add_handler(
        MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, buyer.on_text)
    )
    application.add_handler(MessageHandler(PRIVATE & MEDIA, buyer.on_media))
    application.add_handler(MessageHandler(PRIVATE & SHARED, buyer.on_shared))
    application.add_handler(MessageHandler(PRIVATE & UNSUPPORTED, buyer.on_unsupported))
    for name in (*agent_commands.AGENT_COMMANDS, *agent_moderation.COMMANDS):
        application.add_handler(CommandHandler(name, agent_commands.from_outside, filters=PRIVATE))
    application.add_handler(MessageHandler(PRIVATE & filters.COMMAND, buyer.on_command))
    # Whatever is left (an empty text, a kind of message Telegram adds later) is answered too.
    application.add_handler(
        MessageHandler(
            PRIVATE & filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL,
            buyer.on_unsupported,
        )
    )
    # The agents' group: commands, then everything else an agent writes (service messages
    # such as "topic created" are not agents' words and are left alone).
    for name, callback in (agent_commands.COMMANDS | agent_moderation.COMMANDS).items():
        application.add_handler(CommandHandler(name, callback, filters=GROUPS))
    application.add_handler(CommandHandler("stats", agent_stats.stats))
    application.add_handler(
        MessageHandler(
            GROUPS & filters.UpdateType.EDITED_MESSAGE & ~filters.COMMAND,
            agent_messages.on_group_edit,
        )
    )
    group_command = GROUPS & filters.COMMAND & filters.UpdateType.MESSAGE
    application.add_handler(MessageHandler(group_command, agent_commands.unknown))
    application.add_handler(
        MessageHandler(
            GROUPS & ~filters.COMMAND & ~filters.StatusUpdate.ALL & filters.UpdateType.MESSAGE,
            agent_messages.on_group_message,
        )
    )
    # Card buttons first; every other button belongs to a buyer's private chat.
    application.add_handler(
        CallbackQueryHandler(agent_buttons.on_card_button, pattern=agent_buttons.PATTERN)
    )
    application.add_handler(
        CallbackQueryHandler(agent_category.on_category_button, pattern=agent_category.PATTERN)
    )
    application.add_handler(CallbackQueryHandler(buyer.on_button))
    application.add_error_handler(errors.on_error)


def build_services(settings: Settings, clock: Clock, bot: Bot | None) -> Services:
    """Everything with a lifecycle; `bot` is None when the web chat runs without Telegram."""
    engine = create_engine(
        settings.effective_database_url,
        busy_timeout_ms=int(settings.database_busy_timeout_seconds * 1000),
        sqlite_synchronous=settings.database_sqlite_synchronous,
    )
    sessions = create_session_factory(engine)
    sla = SlaHours(settings.sla_accept_hours, settings.sla_investigate_hours,
                   settings.sla_resolve_hours)  # fmt: skip
    token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
    assignment = AssignmentService(sessions, settings.assignment_rules_file, clock=clock)
    tickets = TicketService(sessions, clock=clock, sla=sla, timezone=settings.timezone,
                            assigner=assignment)  # fmt: skip
    people = PeopleService(sessions, clock=clock)
    groups = AgentGroupService(sessions, clock=clock)
    web_files = WebFiles(settings.data_dir / "web-files")
    locks = Locks(engine, scope=settings.effective_database_url)
    outbox = OutboxStore(sessions, clock, exclusive=not locks.shared)
    followups = Followups()
    budget = None
    if locks.shared:  # several processes: Telegram's overall limit is kept by all together
        budget = SendBudgetShared(sessions, settings.telegram_max_messages_per_second).take
    topics = None
    if bot is not None:
        topics = BuyerTopics(bot, tickets, people, enabled=settings.buyer_topics_enabled)
    files = QueuedFiles(settings.data_dir / "outbox-files")
    direct, lanes = _telegram_outbox(bot, outbox, followups, locks, clock, budget, topics, files)
    telegram = {} if direct is None else {"telegram": TelegramBuyers(direct, topics)}
    buyers = BuyerDelivery(people, telegram, followups)
    cards = CardWriter(tickets, people, language=settings.agent_language,
                       timezone=settings.timezone, clock=clock, buyers=buyers)  # fmt: skip
    poster = GroupPoster(bot, groups, tickets, cards, files=web_files)
    worker = OutboxWorker(
        outbox, poster.deliver, locks, budget=budget, on_sent=lambda item, sent: followups.run(
            item.payload.get("after"), sent)
    )  # fmt: skip
    desk = AgentDesk(
        bot, groups, tickets, people, outbox, cards, wake=worker.wake,
        supervisors=settings.admin_ids, buyers=buyers, files=web_files, direct=direct,
    )  # fmt: skip
    desk.register_followups(followups)
    prompts = PromptService(sessions, clock, outbox)
    followups.on(PROMPT_POSTED, prompts.posted)
    return Services(
        settings=settings,
        engine=engine,
        clock=clock,
        nlu=NluClient(settings.rasa_url, settings.nlu_timeout_seconds, token),
        people=people,
        tickets=tickets,
        intake=IntakeService(
            sessions,
            tickets,
            clock,
            settings.nlu_confidence_threshold,
            settings.nlu_shortlist_min_confidence,
        ),
        followups=FollowUpService(sessions, clock),
        groups=groups,
        prompts=prompts,
        agents=desk,
        aftercare=AftercareService(sessions, tickets, clock, settings.auto_close_days),
        sla=SlaWatch(sessions, clock, timedelta(hours=settings.sla_reminder_hours)),
        stats=StatsService(sessions, clock, settings.timezone),
        corrections=CorrectionService(sessions, clock),
        merges=MergeService(sessions, clock=clock),
        versions=MessageVersions(sessions, clock),
        bans=BanService(sessions, clock=clock),
        assignment=assignment,
        locks=locks,
        outbox_worker=worker,
        **evidence_services(sessions, settings, bot, clock, desk),
        buyers=buyers,
        web_files=web_files,
        sessions=sessions,
        telegram_outbox=direct,
        buyer_lanes=lanes,
    )


def _telegram_outbox(
    bot: Bot | None,
    store: OutboxStore,
    followups: Followups,
    locks: Locks,
    clock: Clock,
    budget,
    topics: BuyerTopics | None,
    files: QueuedFiles,
) -> tuple[TelegramOutbox | None, LaneWorkers | None]:
    """Private chats on Telegram through the outbox: one lane per chat, sent at once."""
    if bot is None:
        return None, None
    outbox = TelegramOutbox(bot, store, followups, topics, files)
    sender = ItemSender(store, outbox.deliver, clock=clock, on_sent=outbox.delivered,
                        on_refused=outbox.undelivered, budget=budget)  # fmt: skip
    lanes = LaneWorkers(store, sender, locks, prefix=BUYER_PREFIX, clock=clock)
    outbox.wake = lanes.wake
    return outbox, lanes


def _starter(settings: Settings, clock: Clock):
    async def start(application: Application) -> None:
        """Opens the database and the NLU client, and schedules the periodic jobs."""
        data: BotData = application.bot_data
        data.services = build_services(settings, clock, application.bot)
        data.web_server = data.web_app = None
        if settings.web_enabled and settings.webhook_url:
            from bot.channels.web.service import web_chat_app

            # Mounted into the webhook's app: one server on WEBHOOK_LISTEN:WEBHOOK_PORT.
            data.web_app = web_chat_app(data.services, application.bot)
        elif settings.web_enabled:
            from bot.channels.web.service import start_web_chat

            try:
                data.web_server = await start_web_chat(data.services, application.bot)
            except (OSError, SystemExit) as error:  # uvicorn exits when it cannot bind
                log.error("The web chat could not start (WEB_HOST/WEB_PORT): %s", error)
        await jobs.link_configured_group(application)
        data.services.outbox_worker.start()
        if data.services.buyer_lanes is not None:
            data.services.buyer_lanes.start()
        if application.job_queue is not None:
            # Each runs in one process at a time however many share the database.
            for callback, every, first in (
                (jobs.expire_drafts, DRAFT_EXPIRY_CHECK, timedelta(seconds=30)),
                (jobs.post_pending_cards, PENDING_CARDS_CHECK, timedelta(seconds=20)),
                (jobs.watch_deadlines, settings.sla_check_seconds, timedelta(seconds=15)),
                (jobs.close_stale_tickets, AUTO_CLOSE_CHECK, timedelta(minutes=1)),
                (jobs.sweep_queued_files, QUEUED_FILES_SWEEP, timedelta(minutes=2)),
            ):
                application.job_queue.run_repeating(jobs.exclusive(callback), every, first=first)
            schedule_evidence_jobs(application.job_queue, settings)

    return start


async def _stop(application: Application) -> None:
    """Closes what post_init opened."""
    server = getattr(application.bot_data, "web_server", None)
    if server is not None:
        await server.stop()
    services: Services | None = getattr(application.bot_data, "services", None)
    if services is not None:
        await services.outbox_worker.stop()
        if services.buyer_lanes is not None:
            await services.buyer_lanes.stop()
        await services.nlu.aclose()
        await services.locks.aclose()
        await services.engine.dispose()


def run_bot(settings: Settings) -> None:
    """Runs until Ctrl-C: webhook when WEBHOOK_URL is set, long polling otherwise; either way
    every update goes through the inbox (bot/runner.py)."""
    import asyncio

    from bot.runner import serve

    asyncio.run(serve(build_application(settings), settings))


__all__ = ["Context", "build_application", "run_bot"]
