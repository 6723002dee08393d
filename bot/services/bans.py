"""Bans: a buyer who spams or abuses is stopped from filing, told how to appeal once, and
a supervisor decides the appeal with /unban.

A ban sets `people.is_blocked` (so no ticket can be filed, whichever channel tries) and keeps
a row in `bans` with its reason, who banned, the buyer's one appeal and who lifted it. Nothing
already filed changes: the tickets, their conversation and evidence stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock, utc_now
from bot.services.records import TicketRecord, _FromRow
from storage import repositories as repo
from storage.db import SessionFactory, transaction
from storage.errors import DomainError, PersonNotFound
from storage.models import Ban, Person, Ticket

# A banned buyer who keeps writing hears the notice again at most this often.
NOTICE_INTERVAL = timedelta(hours=24)
APPEAL_CHARS = 4096  # one whole message: Telegram's limit, above the web chat's


class BanError(DomainError):
    """A ban or unban that cannot happen; `reason` is `already_banned` or `not_banned`."""

    def __init__(self, reason: str, person_id: int) -> None:
        super().__init__(f"person {person_id}: {reason}")
        self.reason = reason
        self.person_id = person_id


@dataclass(frozen=True, slots=True)
class BanRecord(_FromRow):
    """One ban as the services hand it out."""

    id: int
    person_id: int
    ticket_id: int | None
    reason: str
    banned_by_id: int | None
    banned_at: datetime
    notice_sent_at: datetime | None
    appeal_text: str | None
    appealed_at: datetime | None
    lifted_by_id: int | None
    lifted_at: datetime | None


class Screening(StrEnum):
    """What to do with a message of a banned buyer."""

    APPEAL = "appeal"  # recorded as their appeal: acknowledge it and show it to a supervisor
    NOTICE = "notice"  # answer with the banned notice
    QUIET = "quiet"  # the notice was given lately: nothing more to say


@dataclass(frozen=True, slots=True)
class Screened:
    outcome: Screening
    ban: BanRecord


class BanService:
    """Bans, appeals and unbans; each method is one transaction, every change audited."""

    def __init__(self, sessions: SessionFactory, *, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    async def ban(
        self, person_id: int, reason: str, actor_id: int, *, ticket_id: int | None = None
    ) -> BanRecord:
        """Bans the buyer; BanError(already_banned) if they are."""
        now = self._clock()
        async with transaction(self._sessions) as session:
            person = await session.get(Person, person_id, with_for_update=True)
            if person is None:
                raise PersonNotFound(person_id)
            if person.is_blocked:
                raise BanError("already_banned", person_id)
            ban = Ban(
                person_id=person_id,
                ticket_id=ticket_id,
                reason=reason,
                banned_by_id=actor_id,
                banned_at=now,
                notice_sent_at=now,
            )
            session.add(ban)
            person.is_blocked, person.blocked_reason, person.updated_at = True, reason, now
            repo.record_change(
                session,
                action="banned",
                at=now,
                actor_id=actor_id,
                person_id=person_id,
                ticket_id=ticket_id,
                before={"is_blocked": False},
                after={"is_blocked": True},
                note=reason,
            )
            await session.flush()
            return BanRecord.of(ban)

    async def unban(self, person_id: int, actor_id: int) -> BanRecord:
        """Lifts the buyer's ban; BanError(not_banned) if there is none."""
        now = self._clock()
        async with transaction(self._sessions) as session:
            person = await session.get(Person, person_id, with_for_update=True)
            ban = await _current(session, person_id)
            if person is None or ban is None or not person.is_blocked:
                raise BanError("not_banned", person_id)
            ban.lifted_by_id, ban.lifted_at = actor_id, now
            person.is_blocked, person.blocked_reason, person.updated_at = False, None, now
            repo.record_change(
                session,
                action="unbanned",
                at=now,
                actor_id=actor_id,
                person_id=person_id,
                ticket_id=ban.ticket_id,
                before={"is_blocked": True},
                after={"is_blocked": False},
                note="appeal upheld" if ban.appeal_text else None,
            )
            return BanRecord.of(ban)

    async def current(self, person_id: int) -> BanRecord | None:
        """The buyer's ban in force, if any."""
        async with transaction(self._sessions, read_only=True) as session:
            ban = await _current(session, person_id)
            return None if ban is None else BanRecord.of(ban)

    async def screen(self, person_id: int, text: str | None) -> Screened | None:
        """None for a buyer who is not banned. For a banned one: their first text becomes
        their appeal; after that they hear the notice at most once per NOTICE_INTERVAL."""
        async with transaction(self._sessions, read_only=True) as session:
            person = await session.get(Person, person_id)
            if person is None or not person.is_blocked:
                return None
        now = self._clock()
        async with transaction(self._sessions) as session:
            ban = await _current(session, person_id, for_update=True)
            if ban is None:
                return None
            text = (text or "").strip()
            if text and ban.appeal_text is None:
                ban.appeal_text, ban.appealed_at = text[:APPEAL_CHARS], now
                repo.record_change(
                    session,
                    action="appealed",
                    at=now,
                    actor_id=person_id,
                    person_id=person_id,
                    ticket_id=ban.ticket_id,
                    note=ban.appeal_text,
                )
                return Screened(Screening.APPEAL, BanRecord.of(ban))
            if ban.notice_sent_at is not None and now - ban.notice_sent_at < NOTICE_INTERVAL:
                return Screened(Screening.QUIET, BanRecord.of(ban))
            ban.notice_sent_at = now
            return Screened(Screening.NOTICE, BanRecord.of(ban))

    async def ticket_of(self, ban: BanRecord) -> TicketRecord | None:
        """The ticket whose topic the ban was issued in, if any."""
        if ban.ticket_id is None:
            return None
        async with transaction(self._sessions, read_only=True) as session:
            ticket = await session.get(Ticket, ban.ticket_id)
            return None if ticket is None else TicketRecord.of(ticket)

    async def appeals(self, *, limit: int = 20) -> list[BanRecord]:
        """Appeals waiting for a supervisor, oldest first."""
        async with transaction(self._sessions, read_only=True) as session:
            query = (
                select(Ban)
                .where(Ban.lifted_at.is_(None), Ban.appealed_at.is_not(None))
                .order_by(Ban.appealed_at)
                .limit(limit)
            )
            return [BanRecord.of(ban) for ban in await session.scalars(query)]


async def _current(session: AsyncSession, person_id: int, *, for_update: bool = False):
    query = (
        select(Ban)
        .where(Ban.person_id == person_id, Ban.lifted_at.is_(None))
        .order_by(Ban.id.desc())
        .limit(1)
    )
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)
