"""Fetching evidence from Telegram in the background, with retries, across restarts.

Every attachment row comes with a row in `evidence_downloads` (same transaction), so nothing
sent is forgotten. A periodic job claims due rows for a lease (FOR UPDATE SKIP LOCKED on
PostgreSQL, so several processes share the queue), downloads each file to the store's
incoming folder, hashes it and moves it into the store. A process killed in the middle leaves
its claims to expire; the next run takes them again. A file over the Bot API's 20 MB limit,
or one Telegram no longer gives, is marked so on the attachment and leaves the queue.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import filetype
from sqlalchemy import or_, select
from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.channels.web.files import PREFIX as WEB_PREFIX
from bot.channels.web.files import WebFiles
from bot.evidence.store import FolderStore, sha256_of_file
from bot.services.clock import Clock
from storage.db import SessionFactory, dialect_insert, transaction
from storage.models import Attachment, EvidenceDownload, EvidenceFile, EvidenceState, Ticket

log = logging.getLogger(__name__)

DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the Bot API's getFile limit
LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
MAX_ATTEMPTS = 8  # about four hours of trying before a file is called unavailable
REFUSED_ATTEMPTS = 3  # "wrong file_id or temporarily unavailable" is retried less
BATCH = 10

Settled = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Claimed:
    attachment_id: int
    ticket_number: str
    file_id: str | None
    file_size: int | None
    attempts: int


class EvidenceDownloader:
    """Claims due downloads and settles each: stored, too big, unavailable, or retried."""

    def __init__(
        self,
        sessions: SessionFactory,
        store: FolderStore,
        bot: Bot | None,
        clock: Clock,
        *,
        on_settled: Settled | None = None,
        web_files: WebFiles | None = None,
    ) -> None:
        self._sessions, self._store, self._bot, self._clock = sessions, store, bot, clock
        self._web_files = web_files
        self._on_settled = on_settled
        self._lock = asyncio.Lock()  # one run at a time in this process

    async def run_once(self, limit: int = BATCH) -> int:
        """Handles up to `limit` due downloads; returns how many were settled."""
        async with self._lock:
            settled: list[str] = []
            for item in await self._claim(limit):
                if await self._fetch(item):
                    settled.append(item.ticket_number)
            for number in dict.fromkeys(settled):  # each ticket's card once, in order
                if self._on_settled is not None:
                    try:
                        await self._on_settled(number)
                    except TelegramError as error:
                        log.warning("Card of %s not refreshed: %s", number, error)
            return len(settled)

    async def pending(self) -> int:
        """How many files are still to be fetched."""
        async with transaction(self._sessions, read_only=True) as session:
            return len((await session.scalars(select(EvidenceDownload.attachment_id))).all())

    async def _claim(self, limit: int) -> list[Claimed]:
        now = self._clock()
        query = (
            select(EvidenceDownload, Attachment, Ticket.number)
            .join(Attachment, Attachment.id == EvidenceDownload.attachment_id)
            .join(Ticket, Ticket.id == Attachment.ticket_id)
            .where(
                EvidenceDownload.next_attempt_at <= now,
                or_(
                    EvidenceDownload.claimed_until.is_(None),
                    EvidenceDownload.claimed_until < now,
                ),
            )
            .order_by(EvidenceDownload.next_attempt_at, EvidenceDownload.attachment_id)
            .limit(limit)
            .with_for_update(of=EvidenceDownload, skip_locked=True)
        )
        async with transaction(self._sessions) as session:
            claimed = []
            for download, attachment, number in (await session.execute(query)).all():
                download.claimed_until = now + LEASE
                download.attempts += 1
                claimed.append(
                    Claimed(
                        attachment.id, number, attachment.file_id, attachment.file_size,
                        download.attempts,
                    )
                )  # fmt: skip
            return claimed

    async def _fetch(self, item: Claimed) -> bool:
        """Downloads one file; True when it is settled (stored or given up)."""
        if item.file_id is None:
            return await self._give_up(item, EvidenceState.DELETED, "no file id")
        if item.file_size is not None and item.file_size > DOWNLOAD_LIMIT:
            return await self._give_up(item, EvidenceState.TOO_BIG, "over 20 MB")
        incoming = self._store.new_incoming(f"{item.attachment_id}-{uuid.uuid4().hex}")
        try:
            if self._web_files is not None and item.file_id.startswith(WEB_PREFIX):
                # The web chat already holds the upload: copy it in rather than ask Telegram.
                source = self._web_files.path_of(item.file_id)
                if source is None:
                    return await self._give_up(item, EvidenceState.UNAVAILABLE, "web file gone")
                await asyncio.to_thread(shutil.copyfile, source, incoming)
            elif self._bot is None:
                return await self._retry(item, "no Telegram bot in this process", MAX_ATTEMPTS)
            else:
                telegram_file = await self._bot.get_file(item.file_id)
                size = telegram_file.file_size
                if size is not None and size > DOWNLOAD_LIMIT:
                    return await self._give_up(item, EvidenceState.TOO_BIG, "over 20 MB")
                await telegram_file.download_to_drive(incoming)
            digest, size = await asyncio.to_thread(sha256_of_file, incoming)
            kind = await asyncio.to_thread(filetype.guess, str(incoming))
            await self._store.put(digest, incoming)
        except BadRequest as error:
            text = error.message.lower()
            if "too big" in text:
                return await self._give_up(item, EvidenceState.TOO_BIG, error.message)
            return await self._retry(item, error.message, REFUSED_ATTEMPTS)
        except (TelegramError, OSError) as error:
            return await self._retry(item, f"{type(error).__name__}: {error}", MAX_ATTEMPTS)
        finally:
            incoming.unlink(missing_ok=True)
        media_type = kind.mime if kind else None
        extension = kind.extension if kind else None
        await self._stored(item, digest, size, media_type, extension)
        return True

    async def _stored(
        self, item: Claimed, digest: str, size: int, media_type: str | None, ext: str | None
    ) -> None:
        now = self._clock()
        async with transaction(self._sessions) as session:
            insert = dialect_insert(session)
            await session.execute(
                insert(EvidenceFile)
                .values(sha256=digest, size=size, media_type=media_type, extension=ext,
                        stored_at=now)
                .on_conflict_do_nothing(index_elements=["sha256"])
            )  # fmt: skip
            attachment = await session.get_one(Attachment, item.attachment_id)
            attachment.sha256 = digest
            attachment.evidence_state = EvidenceState.STORED
            await _drop(session, item.attachment_id)
        log.info("Evidence %s of %s stored as %s", item.attachment_id, item.ticket_number,
                 digest[:12])  # fmt: skip

    async def _give_up(self, item: Claimed, state: EvidenceState, reason: str) -> bool:
        async with transaction(self._sessions) as session:
            attachment = await session.get_one(Attachment, item.attachment_id)
            attachment.evidence_state = state
            await _drop(session, item.attachment_id)
        log.warning("Evidence %s of %s not stored (%s): %s", item.attachment_id,
                    item.ticket_number, state.value, reason)  # fmt: skip
        return True

    async def _retry(self, item: Claimed, reason: str, max_attempts: int) -> bool:
        if item.attempts >= max_attempts:
            return await self._give_up(item, EvidenceState.UNAVAILABLE, reason)
        wait = min(FIRST_RETRY * 2 ** (item.attempts - 1), LONGEST_WAIT)
        async with transaction(self._sessions) as session:
            download = await session.get(EvidenceDownload, item.attachment_id)
            if download is not None:
                download.claimed_until = None
                download.next_attempt_at = self._clock() + wait
                download.last_error = reason[:1000]
        log.info("Evidence %s of %s: attempt %s failed (%s), again in %s", item.attachment_id,
                 item.ticket_number, item.attempts, reason, wait)  # fmt: skip
        return False


async def _drop(session, attachment_id: int) -> None:
    download = await session.get(EvidenceDownload, attachment_id)
    if download is not None:
        await session.delete(download)


def queued(now: datetime) -> EvidenceDownload:
    """The queue entry a new attachment row carries, due at once."""
    return EvidenceDownload(attempts=0, next_attempt_at=now, created_at=now)


def default_root(data_dir: Path) -> Path:
    return data_dir / "evidence"
