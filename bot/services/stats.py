"""Complaint statistics: what was filed lately, how fast it was handled, how buyers rated it.

A window of N days is N calendar days in the service's timezone, today included: on
Saturday 21 November at 10:00, the last 7 days run from Sunday 15 November 00:00 until now.
Every figure is about the tickets *filed* in the window, whatever happened to them later.
A ticket merged into another (/merge) is left out of every figure: the complaint counts once,
as the ticket it went into. The CSV export still lists it (status closed).

The SLA figures judge each ticket against its current due times (a reopen or an escalation
starts them again), at the moment the statistics are asked for:

- Review (accept_due_at). A ticket counts once it has been reviewed: it has left `new` and
  `reopened` and has a review time, `accepted_at`, or `rejected_at` when it was rejected
  without being accepted. It is kept when that time is no later than accept_due_at. A ticket
  still waiting for review (new or reopened) past accept_due_at counts as missed; one still
  within its time does not count yet.
- Result (resolve_due_at). A ticket counts once it is decided (resolved, rejected or closed)
  with a result time, the later of `resolved_at` and `rejected_at` (the outcome that
  stands). It is kept when that time is no later than resolve_due_at. An undecided ticket
  (waiting for the buyer included: the due time does not stop) past resolve_due_at counts as
  missed; one still within its time does not count yet.

The medians are in hours from filing: to `accepted_at` over the tickets that have one, and to
the result time above over the decided tickets.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from bot.services.intake_draft import COMPLAINT_CATEGORIES
from storage.db import SessionFactory, transaction
from storage.lifecycle import DECIDED, TicketStatus
from storage.models import Rating, Resolution, Ticket

SCORES = (1, 2, 3, 4, 5)
AWAITING_REVIEW = (TicketStatus.NEW, TicketStatus.REOPENED)

# A ticket merged into another is the same complaint: only the one it went into counts.
_COUNTED = Ticket.merged_into.is_(None)
# When a ticket was reviewed: accepted, or rejected without being accepted.
_REVIEWED_AT = func.coalesce(Ticket.accepted_at, Ticket.rejected_at)
_REVIEWED = and_(Ticket.status.not_in(AWAITING_REVIEW), _REVIEWED_AT.is_not(None))
# The outcome that stands: the later of the last resolution and the last rejection.
_RESULT_AT = case(
    (Ticket.rejected_at.is_(None), Ticket.resolved_at),
    (Ticket.resolved_at.is_(None), Ticket.rejected_at),
    (Ticket.resolved_at > Ticket.rejected_at, Ticket.resolved_at),
    else_=Ticket.rejected_at,
)
_ACCEPTED = Ticket.accepted_at.is_not(None)
_DECIDED = and_(
    Ticket.status.in_(sorted(DECIDED)),
    or_(Ticket.resolved_at.is_not(None), Ticket.rejected_at.is_not(None)),
)


@dataclass(frozen=True, slots=True)
class SlaFigure:
    """How many of the tickets that count kept their due time."""

    kept: int
    counted: int

    @property
    def percent(self) -> float | None:
        """Kept in per cent of those counted; None when none counts yet."""
        return None if self.counted == 0 else 100 * self.kept / self.counted


@dataclass(frozen=True, slots=True)
class Summary:
    """The figures of the tickets filed in one window (see the module's docstring)."""

    days: int
    first_day: date  # in the service's timezone
    last_day: date
    total: int
    by_category: tuple[tuple[str, int], ...]  # every category of the taxonomy, in its order
    by_status: tuple[tuple[TicketStatus, int], ...]  # every status, in lifecycle order
    median_accept_hours: float | None
    median_result_hours: float | None
    accept_sla: SlaFigure
    result_sla: SlaFigure
    rating_counts: tuple[int, ...]  # how many ratings scored 1, 2, 3, 4 and 5
    rating_average: float | None

    @property
    def rating_total(self) -> int:
        return sum(self.rating_counts)


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One ticket as the CSV export shows it; times are in the service's timezone."""

    number: str
    filed_at: datetime
    category: str
    platform: str | None
    status: TicketStatus
    desired_resolution: Resolution | None
    order_number: str | None
    shop: str | None
    accepted_at: datetime | None
    resolved_at: datetime | None
    rejected_at: datetime | None
    closed_at: datetime | None
    escalated_at: datetime | None
    accept_due_at: datetime
    investigate_due_at: datetime
    resolve_due_at: datetime
    rating_score: int | None
    rating_comment: str | None
    merged_into: str | None  # the ticket it was folded into; not counted in the figures
    model_category: str | None  # the model's first guess, beside the final `category`
    model_confidence: float | None
    # Filled by bot/services/report.py for the export (None until then).
    result_hours: float | None = None
    poor_rating: int | None = None  # 1 below 3 stars, 0 otherwise, empty when not rated
    shop_key: str | None = None
    shop_complaints_7d: int | None = None  # this shop's complaints in the 7 days to filing


class StatsService:
    """Read-only figures for the agents and the operators; each method is one transaction."""

    def __init__(self, sessions: SessionFactory, clock: Clock, timezone: str) -> None:
        self._sessions, self._clock, self._timezone = sessions, clock, ZoneInfo(timezone)

    async def summary(self, days: int) -> Summary:
        """The figures of the tickets filed in the last `days` calendar days, today included."""
        if days < 1:
            raise ValueError("a window is at least one day")
        now = self._clock()
        last_day = now.astimezone(self._timezone).date()
        first_day = last_day - timedelta(days=days - 1)
        since = self._midnight(first_day)
        async with transaction(self._sessions, read_only=True) as session:
            categories = await _counts(session, Ticket.category, since)
            statuses = await _counts(session, Ticket.status, since)
            accept_sla, result_sla = await _sla(session, since, now)
            accept_hours = await _hours(session, Ticket.accepted_at, _ACCEPTED, since)
            result_hours = await _hours(session, _RESULT_AT, _DECIDED, since)
            ratings = await _rating_counts(session, since)
        extra = sorted(set(categories) - set(COMPLAINT_CATEGORIES))  # outside the taxonomy
        rated = sum(ratings)
        points = sum(score * count for score, count in zip(SCORES, ratings, strict=True))
        return Summary(
            days=days,
            first_day=first_day,
            last_day=last_day,
            total=sum(categories.values()),
            by_category=tuple((c, categories.get(c, 0)) for c in (*COMPLAINT_CATEGORIES, *extra)),
            by_status=tuple((s, statuses.get(s, 0)) for s in TicketStatus),
            median_accept_hours=_median(accept_hours),
            median_result_hours=_median(result_hours),
            accept_sla=accept_sla,
            result_sla=result_sla,
            rating_counts=ratings,
            rating_average=points / rated if rated else None,
        )

    async def tickets_between(self, start: date, end: date) -> list[ExportRow]:
        """Every ticket filed from `start` to `end` (local days, both included), oldest first."""
        since, until = self._midnight(start), self._midnight(end + timedelta(days=1))
        query = (
            select(Ticket, Rating.score, Rating.comment)
            .outerjoin(Rating, Rating.ticket_id == Ticket.id)
            .where(Ticket.filed_at >= since, Ticket.filed_at < until)
            .order_by(Ticket.filed_at, Ticket.id)
        )
        async with transaction(self._sessions, read_only=True) as session:
            rows = (await session.execute(query)).all()
            return [self._export_row(ticket, score, comment) for ticket, score, comment in rows]

    async def first_guesses(self, days: int) -> FirstGuesses:
        """How often the model's first guess was kept, over the last `days` calendar days."""
        if days < 1:
            raise ValueError("a window is at least one day")
        last_day = self._clock().astimezone(self._timezone).date()
        since = self._midnight(last_day - timedelta(days=days - 1))
        kept = _count_if(Ticket.model_category == Ticket.category)
        query = (
            select(Ticket.model_category, kept, func.count())
            .where(Ticket.filed_at >= since, Ticket.model_category.is_not(None))
            .group_by(Ticket.model_category)
        )
        async with transaction(self._sessions, read_only=True) as session:
            rows = {c: (int(k), int(n)) for c, k, n in (await session.execute(query)).all()}
        known = [c for c in COMPLAINT_CATEGORIES if c in rows]
        order = known + sorted(set(rows) - set(COMPLAINT_CATEGORIES))
        return FirstGuesses(
            days=days,
            kept=sum(k for k, _ in rows.values()),
            counted=sum(n for _, n in rows.values()),
            by_category=tuple((c, *rows[c]) for c in order),
        )

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self._timezone)

    def _local(self, moment: datetime | None) -> datetime | None:
        return None if moment is None else moment.astimezone(self._timezone)

    def _export_row(self, ticket: Ticket, score: int | None, comment: str | None) -> ExportRow:
        local = self._local
        return ExportRow(
            number=ticket.number,
            filed_at=ticket.filed_at.astimezone(self._timezone),
            category=ticket.category,
            platform=ticket.platform,
            status=ticket.status,
            desired_resolution=ticket.desired_resolution,
            order_number=ticket.order_number,
            shop=ticket.shop,
            accepted_at=local(ticket.accepted_at),
            resolved_at=local(ticket.resolved_at),
            rejected_at=local(ticket.rejected_at),
            closed_at=local(ticket.closed_at),
            escalated_at=local(ticket.escalated_at),
            accept_due_at=ticket.accept_due_at.astimezone(self._timezone),
            investigate_due_at=ticket.investigate_due_at.astimezone(self._timezone),
            resolve_due_at=ticket.resolve_due_at.astimezone(self._timezone),
            rating_score=score,
            rating_comment=comment,
            merged_into=ticket.merged_into,
            model_category=ticket.model_category,
            model_confidence=ticket.model_confidence,
        )


async def _counts(session: AsyncSession, column: Any, since: datetime) -> dict[Any, int]:
    """Tickets filed since `since`, counted by the values of `column`."""
    query = select(column, func.count()).where(_COUNTED, Ticket.filed_at >= since).group_by(column)
    return {key: count for key, count in (await session.execute(query)).all()}


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def _sla(session: AsyncSession, since: datetime, now: datetime) -> tuple[SlaFigure, ...]:
    accept_kept = and_(_REVIEWED, _REVIEWED_AT <= Ticket.accept_due_at)
    accept_counted = or_(_REVIEWED, Ticket.accept_due_at < now)
    result_kept = and_(_DECIDED, _RESULT_AT <= Ticket.resolve_due_at)
    result_counted = or_(_DECIDED, Ticket.resolve_due_at < now)
    query = select(
        _count_if(accept_kept),
        _count_if(accept_counted),
        _count_if(result_kept),
        _count_if(result_counted),
    ).where(_COUNTED, Ticket.filed_at >= since)
    accept_ok, accept_all, result_ok, result_all = (await session.execute(query)).one()
    return SlaFigure(int(accept_ok), int(accept_all)), SlaFigure(int(result_ok), int(result_all))


async def _hours(
    session: AsyncSession,
    moment: ColumnElement[Any],
    condition: ColumnElement[bool],
    since: datetime,
) -> list[float]:
    """Hours from filing to `moment`, for the tickets meeting `condition`."""
    query = select(Ticket.filed_at, moment).where(_COUNTED, Ticket.filed_at >= since, condition)
    rows = (await session.execute(query)).all()
    return [(end - start).total_seconds() / 3600 for start, end in rows]


async def _rating_counts(session: AsyncSession, since: datetime) -> tuple[int, ...]:
    query = (
        select(Rating.score, func.count())
        .join(Ticket, Rating.ticket_id == Ticket.id)
        .where(_COUNTED, Ticket.filed_at >= since)
        .group_by(Rating.score)
    )
    counts = {score: count for score, count in (await session.execute(query)).all()}
    return tuple(counts.get(score, 0) for score in SCORES)


def _median(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


# ───────────────────────── the model's first guess, kept or corrected ─────────────────────────


@dataclass(frozen=True, slots=True)
class FirstGuesses:
    """How often the model's first guess is the ticket's category now, among the tickets filed
    in the window that had a guess (none when the NLU was away); by the guessed category."""

    days: int
    kept: int
    counted: int
    by_category: tuple[tuple[str, int, int], ...]  # (guessed category, kept, counted), if any

    @property
    def percent(self) -> float | None:
        return None if self.counted == 0 else 100 * self.kept / self.counted
