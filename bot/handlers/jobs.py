"""Periodic work that reads its due items from the database, so a restart misses nothing."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import wraps

from telegram.error import TelegramError

from bot.channels.delivery import ChannelUnavailable
from bot.context import Context
from bot.texts import t
from bot.views.reply import Reply
from storage.locks import job_lock

log = logging.getLogger(__name__)

DRAFT_IDLE = timedelta(hours=24)


async def expire_drafts(context: Context) -> None:
    """Drops intakes left for 24 hours and tells each buyer."""
    services = context.bot_data.services
    for person_id in await services.intake.expire(DRAFT_IDLE):
        person = await services.people.get(person_id)
        try:
            await services.buyers.send(
                person_id, Reply(t(person.language or "zh", "intake.expired"))
            )
        except (TelegramError, ChannelUnavailable) as error:
            log.info("Could not tell %s that their draft expired: %s", person_id, error)


async def post_pending_cards(context: Context) -> None:
    """Posts tickets that are not in the agents' group yet (Telegram was away, or no group)."""
    services = context.bot_data.services
    if await services.groups.active() is None:
        return
    await services.agents.post_pending_cards(await services.tickets.without_card())


async def link_configured_group(application) -> None:
    """Links SUPPORT_CHAT_ID on start and logs which rights the bot lacks there."""
    from bot.agents.access import missing_rights

    services = application.bot_data.services
    chat_id = services.settings.support_chat_id
    if chat_id is None:
        return
    try:
        chat = await application.bot.get_chat(chat_id)
        active = await services.groups.active()
        if active is None or active.chat_id != chat_id or active.is_forum != bool(chat.is_forum):
            await services.groups.link(
                chat_id, is_forum=bool(chat.is_forum), title=chat.title, linked_by=None
            )
        missing = await missing_rights(application.bot, chat_id, bool(chat.is_forum))
    except TelegramError as error:
        log.error("SUPPORT_CHAT_ID %s cannot be used: %s", chat_id, error)
        return
    if missing:
        names = ", ".join(t("en", key) for key in missing)
        log.error("The bot lacks rights in the agents' group %s: %s", chat_id, names)
    else:
        log.info("Agents' group %s linked; the bot's rights are in order", chat_id)


async def watch_deadlines(context: Context) -> None:
    """A reminder in the topic near each deadline; past it, the card marked and supervisors told."""
    from bot.views.status import local_time

    services = context.bot_data.services
    language, timezone = services.settings.agent_language, services.settings.timezone
    for notice in await services.sla.due_notices():
        text = t(
            language,
            f"sla.{notice.kind}",
            number=notice.ticket.number,
            stage=t(language, f"sla.stage_{notice.stage}"),
            due=local_time(notice.due_at, timezone),
        )
        if notice.kind == "overdue":
            await services.agents.refresh_card(notice.ticket)
            await services.agents.notify_supervisors(notice.ticket, text)
        else:
            await services.agents.post_in_ticket(notice.ticket, text)


async def close_stale_tickets(context: Context) -> None:
    """Closes decided tickets left alone for AUTO_CLOSE_DAYS and tells their buyers."""
    services = context.bot_data.services
    days = services.settings.auto_close_days
    for ticket in await services.aftercare.close_stale():
        await services.agents.refresh_card(ticket)
        person = await services.people.get_or_create(ticket.owner_id)
        text = t(person.language or "zh", "sla.auto_closed", number=ticket.number, days=days)
        await services.agents.tell_buyer(ticket, text)


QUEUED_FILE_AGE = 3600.0  # seconds: older than any message being queued right now


async def sweep_queued_files(context: Context) -> None:
    """Deletes the dossier files a crash left in DATA_DIR/outbox-files (personal data)."""
    outbox = context.bot_data.services.telegram_outbox
    if outbox is not None and (deleted := await outbox.sweep_files(QUEUED_FILE_AGE)):
        log.info("Deleted %s queued files no message was waiting for", deleted)


def exclusive(callback):
    """The job run by one process at a time: with PostgreSQL, whichever holds its lock."""

    @wraps(callback)
    async def run(context: Context) -> None:
        async with context.bot_data.services.locks.try_hold(job_lock(callback.__name__)) as held:
            if held:
                await callback(context)

    return run
