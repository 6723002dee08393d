"""Recurring problems: where complaints cluster (shops, platforms, categories) and how fast and
how well they were handled, against the period before; and the weekly trend.

A period of N days is N calendar days in the service's timezone, today included, as in
bot/services/stats.py; the previous period is the N days before it. Per shop, platform or
category, over the tickets *filed* in the period:

- `count`, and `change` = count minus the previous period's count;
- `median_result_hours`: the median hours from filing to the result (the later of the
  resolution and the rejection) of the decided tickets, None when none is decided;
- `poor_share`: the share of ratings below 3 stars among the rated tickets, None unrated.

Shops are told apart by their name as buyers typed it, trimmed, with runs of spaces made one
and case ignored ("Shop A" and " shop  a" are one shop); the spelling shown is the most
frequent one. A ticket merged into another (/merge) is the same complaint and is left out, as
in the statistics.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.services.aftercare import ACCEPTING_SCORE
from bot.services.clock import Clock
from bot.services.stats import ExportRow
from storage.db import SessionFactory, transaction
from storage.lifecycle import DECIDED
from storage.models import Rating, Ticket

TOP = 5
TREND_WEEKS = 8
DIMENSIONS = ("shop", "platform", "category")


def shop_key(name: str | None) -> str | None:
    """The shop as one key however a buyer spelled its spaces and capitals."""
    if name is None:
        return None
    key = " ".join(name.split()).casefold()
    return key or None


@dataclass(frozen=True, slots=True)
class _Filed:
    number: str
    filed_at: datetime
    shop: str | None
    platform: str | None
    category: str
    result_hours: float | None
    score: int | None


@dataclass(frozen=True, slots=True)
class ProblemRow:
    """One shop, platform or category in a period."""

    key: str  # the code (platform, category) or the shop's key
    label: str  # the code, or the shop's most frequent spelling
    count: int
    previous: int
    median_result_hours: float | None
    poor_share: float | None  # 0..1
    rated: int

    @property
    def change(self) -> int:
        return self.count - self.previous


@dataclass(frozen=True, slots=True)
class Report:
    days: int
    first_day: date
    last_day: date
    total: int
    previous_total: int
    shops: tuple[ProblemRow, ...]
    platforms: tuple[ProblemRow, ...]
    categories: tuple[ProblemRow, ...]
    weeks: tuple[tuple[date, int], ...]  # each week's Monday and its complaints, oldest first


@dataclass(frozen=True, slots=True)
class ShopCluster:
    """A shop with many complaints in the last 7 days, and which tickets they are."""

    key: str
    label: str
    numbers: tuple[str, ...]


class ReportService:
    """Read-only analysis of the tickets; each method is one transaction."""

    def __init__(self, sessions: SessionFactory, clock: Clock, timezone: str) -> None:
        self._sessions, self._clock, self._zone = sessions, clock, ZoneInfo(timezone)

    async def report(self, days: int, *, top: int = TOP) -> Report:
        """The period of `days` days against the one before, and the last weeks' trend."""
        if days < 1:
            raise ValueError("a period is at least one day")
        last_day = self._clock().astimezone(self._zone).date()
        first_day = last_day - timedelta(days=days - 1)
        since, previous_since = (
            self._midnight(first_day),
            self._midnight(first_day - timedelta(days=days)),
        )
        monday = last_day - timedelta(days=last_day.weekday())
        trend_since = self._midnight(monday - timedelta(weeks=TREND_WEEKS - 1))
        tickets = await self._filed_since(min(previous_since, trend_since))
        current = [t for t in tickets if t.filed_at >= since]
        previous = [t for t in tickets if previous_since <= t.filed_at < since]
        weeks = Counter(self._monday(t.filed_at) for t in tickets if t.filed_at >= trend_since)
        return Report(
            days=days,
            first_day=first_day,
            last_day=last_day,
            total=len(current),
            previous_total=len(previous),
            shops=_rows(current, previous, "shop", top),
            platforms=_rows(current, previous, "platform", top),
            categories=_rows(current, previous, "category", top),
            weeks=tuple(
                (week, weeks.get(week, 0))
                for week in (monday - timedelta(weeks=n) for n in range(TREND_WEEKS - 1, -1, -1))
            ),
        )

    async def busy_shops(self, threshold: int) -> list[ShopCluster]:
        """Shops with more than `threshold` complaints filed in the last 7 × 24 hours."""
        tickets = await self._filed_since(self._clock() - timedelta(days=7))
        by_shop: dict[str, list[_Filed]] = defaultdict(list)
        for ticket in tickets:
            key = shop_key(ticket.shop)
            if key is not None:
                by_shop[key].append(ticket)
        return [
            ShopCluster(key, _spelling(items), tuple(t.number for t in items))
            for key, items in sorted(by_shop.items())
            if len(items) > threshold
        ]

    def week_of(self, moment: datetime) -> str:
        """The ISO week in the service's timezone, e.g. 2026-W47."""
        year, week, _ = moment.astimezone(self._zone).isocalendar()
        return f"{year}-W{week:02d}"

    async def export_columns(self, rows: Sequence[ExportRow]) -> list[ExportRow]:
        """The export's rows with the analysis columns filled in: hours to the result, whether
        the rating was poor, the shop's key and its complaints in the 7 days up to the filing."""
        if not rows:
            return []
        earliest = min(row.filed_at for row in rows) - timedelta(days=7)
        by_shop: dict[str, list[datetime]] = defaultdict(list)
        for ticket in await self._filed_since(earliest):
            key = shop_key(ticket.shop)
            if key is not None:
                by_shop[key].append(ticket.filed_at)
        filled = []
        for row in rows:
            key = shop_key(row.shop)
            week = (
                sum(
                    1
                    for at in by_shop[key]
                    if row.filed_at - timedelta(days=7) < at <= row.filed_at
                )
                if key
                else None
            )
            result = _result_at(row.resolved_at, row.rejected_at)
            filled.append(
                replace(
                    row,
                    result_hours=None if result is None or row.status not in DECIDED
                    else round((result - row.filed_at).total_seconds() / 3600, 2),
                    poor_rating=None if row.rating_score is None
                    else int(row.rating_score < ACCEPTING_SCORE),
                    shop_key=key,
                    shop_complaints_7d=week,
                )
            )  # fmt: skip
        return filled

    async def _filed_since(self, since: datetime) -> list[_Filed]:
        query = (
            select(Ticket, Rating.score)
            .outerjoin(Rating, Rating.ticket_id == Ticket.id)
            .where(Ticket.filed_at >= since, Ticket.merged_into.is_(None))
            .order_by(Ticket.filed_at, Ticket.id)
        )
        async with transaction(self._sessions, read_only=True) as session:
            rows = (await session.execute(query)).all()
        filed = []
        for ticket, score in rows:
            result = _result_at(ticket.resolved_at, ticket.rejected_at)
            decided = ticket.status in DECIDED and result is not None
            hours = (result - ticket.filed_at).total_seconds() / 3600 if decided else None
            filed.append(
                _Filed(ticket.number, ticket.filed_at, ticket.shop, ticket.platform,
                       ticket.category, hours, score)
            )  # fmt: skip
        return filed

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self._zone)

    def _monday(self, moment: datetime) -> date:
        day = moment.astimezone(self._zone).date()
        return day - timedelta(days=day.weekday())


def _result_at(resolved: datetime | None, rejected: datetime | None) -> datetime | None:
    times = [moment for moment in (resolved, rejected) if moment is not None]
    return max(times) if times else None


def _key(ticket: _Filed, dimension: str) -> str | None:
    if dimension == "shop":
        return shop_key(ticket.shop)
    return getattr(ticket, dimension)


def _spelling(items: Iterable[_Filed]) -> str:
    names = Counter(" ".join((t.shop or "").split()) for t in items)
    return sorted(names.items(), key=lambda item: (-item[1], item[0]))[0][0]


def _rows(current: list[_Filed], previous: list[_Filed], dimension: str, top: int):
    groups: dict[str, list[_Filed]] = defaultdict(list)
    for ticket in current:
        key = _key(ticket, dimension)
        if key is not None:
            groups[key].append(ticket)
    before = Counter(_key(t, dimension) for t in previous)
    rows = []
    for key, items in groups.items():
        hours = [t.result_hours for t in items if t.result_hours is not None]
        scores = [t.score for t in items if t.score is not None]
        poor = sum(1 for score in scores if score < ACCEPTING_SCORE)
        rows.append(
            ProblemRow(
                key=key,
                label=_spelling(items) if dimension == "shop" else key,
                count=len(items),
                previous=before.get(key, 0),
                median_result_hours=statistics.median(hours) if hours else None,
                poor_share=poor / len(scores) if scores else None,
                rated=len(scores),
            )
        )
    rows.sort(key=lambda row: (-row.count, row.label))
    return tuple(rows[:top])
