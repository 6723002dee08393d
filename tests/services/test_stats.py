"""Statistics: exact figures of a known set of tickets over the last 7 and 30 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.services.stats import SlaFigure, StatsService, Summary
from bot.services.tickets import TicketService
from storage.db import SessionFactory, transaction
from storage.lifecycle import TicketStatus
from storage.models import Ticket
from tests.conftest import FakeClock
from tests.services.conftest import BUYER

pytestmark = pytest.mark.usefixtures("known")

S = TicketStatus
NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # the `clock` fixture: Saturday 10:00 Shanghai
WEEK_STARTS = datetime(2026, 11, 14, 16, 0, tzinfo=UTC)  # Sunday 15 November 00:00 Shanghai


@dataclass(frozen=True)
class Case:
    """A ticket's history in hours: when it was filed (before NOW), then after filing."""

    category: str
    status: TicketStatus
    filed: datetime
    accepted: float | None = None
    resolved: float | None = None
    rejected: float | None = None
    restarted: float | None = None  # reopened this many hours after filing: due times restart
    score: int | None = None


def ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


# Review due 24 h and result due 72 h after filing (or after `restarted`).
CASES = {
    # In the last 7 days.
    "A": Case("delivery", S.CLOSED, ago(100), accepted=2, resolved=30, score=5),
    "B": Case("delivery", S.RESOLVED, ago(90), accepted=30, resolved=80, score=2),  # both late
    "C": Case("product_quality", S.REJECTED, ago(80), rejected=5, score=1),  # rejected at review
    "D": Case("product_quality", S.NEW, ago(50)),  # review overdue; result not due yet
    "E": Case("counterfeit", S.NEW, ago(10)),  # nothing due yet
    "F": Case("billing", S.INVESTIGATING, ago(80), accepted=4),  # result overdue
    "G": Case("refund_return", S.ACCEPTED, WEEK_STARTS, accepted=1),  # first moment of the week
    "K": Case("privacy", S.REOPENED, ago(120), accepted=3, resolved=20, restarted=72),
    # In the last 30 days only.
    "H": Case(
        "delivery",
        S.CLOSED,
        WEEK_STARTS - timedelta(minutes=1),
        accepted=6,
        resolved=12,
        score=4,
    ),
    "I": Case("account", S.CLOSED, ago(20 * 24), accepted=10, rejected=20, score=5),
    # Older than 30 days: in neither window.
    "J": Case("delivery", S.CLOSED, ago(31 * 24), accepted=1, resolved=2, score=3),
}


async def place(sessions: SessionFactory, number: str, case: Case) -> None:
    """Gives a filed ticket the history of `case`, straight in the database."""

    def after(hours: float | None) -> datetime | None:
        return None if hours is None else case.filed + timedelta(hours=hours)

    start = after(case.restarted) or case.filed
    values = {
        "status": case.status,
        "filed_at": case.filed,
        "accepted_at": after(case.accepted),
        "resolved_at": after(case.resolved),
        "rejected_at": after(case.rejected),
        "reopened_at": after(case.restarted),
        "accept_due_at": start + timedelta(hours=24),
        "investigate_due_at": start + timedelta(hours=48),
        "resolve_due_at": start + timedelta(hours=72),
    }
    async with transaction(sessions) as session:
        await session.execute(update(Ticket).where(Ticket.number == number).values(**values))


@pytest.fixture
def stats(sessions: SessionFactory, clock: FakeClock) -> StatsService:
    """The statistics in Shanghai time, on the fake clock."""
    return StatsService(sessions, clock, "Asia/Shanghai")


@pytest.fixture
async def history(known: None, tickets: TicketService, sessions: SessionFactory) -> None:
    """The tickets of CASES, filed, given their history, and rated."""
    for case in CASES.values():
        ticket = await tickets.file_ticket(BUYER, category=case.category, description="…")
        await place(sessions, ticket.number, case)
        if case.score is not None:
            await tickets.rate(BUYER, ticket.number, case.score)


def categories(**counts: int) -> dict[str, int]:
    every = (
        "product_quality not_as_described counterfeit delivery refund_return customer_service "
        "message_blocked billing account privacy content_violation platform_bug"
    ).split()
    return {category: counts.get(category, 0) for category in every}


def statuses(**counts: int) -> dict[TicketStatus, int]:
    return {status: counts.get(status.value, 0) for status in TicketStatus}


@pytest.mark.usefixtures("history")
async def test_the_last_7_days(stats: StatsService) -> None:
    week = await stats.summary(7)

    assert (week.days, week.first_day, week.last_day, week.total) == (
        7,
        date(2026, 11, 15),
        date(2026, 11, 21),
        8,
    )
    assert dict(week.by_category) == categories(
        delivery=2, product_quality=2, counterfeit=1, billing=1, refund_return=1, privacy=1
    )
    assert [category for category, _ in week.by_category] == list(categories())  # taxonomy order
    assert dict(week.by_status) == statuses(
        closed=1, resolved=1, rejected=1, new=2, investigating=1, accepted=1, reopened=1
    )
    # Accepted after 2, 30, 4, 1, 3 hours (A B F G K); results after 30, 80, 5 (A B C).
    assert (week.median_accept_hours, week.median_result_hours) == (3.0, 30.0)
    # Review counts A B C D F G K (E is not due): kept A C F G; B late, D and K overdue.
    assert week.accept_sla == SlaFigure(kept=4, counted=7)
    # Result counts A B C F G (D, E, K not due): kept A C; B late, F and G overdue.
    assert week.result_sla == SlaFigure(kept=2, counted=5)
    assert week.accept_sla.percent == pytest.approx(400 / 7)
    assert week.result_sla.percent == 40.0
    assert week.rating_counts == (1, 1, 0, 0, 1)
    assert (week.rating_total, week.rating_average) == (3, pytest.approx(8 / 3))


@pytest.mark.usefixtures("history")
async def test_the_last_30_days_add_the_older_tickets(stats: StatsService) -> None:
    month = await stats.summary(30)

    assert (month.first_day, month.last_day, month.total) == (
        date(2026, 10, 23),
        date(2026, 11, 21),
        10,
    )
    assert dict(month.by_category) == categories(
        delivery=3,
        product_quality=2,
        counterfeit=1,
        billing=1,
        refund_return=1,
        privacy=1,
        account=1,
    )
    assert dict(month.by_status) == statuses(
        closed=3, resolved=1, rejected=1, new=2, investigating=1, accepted=1, reopened=1
    )
    # H and I add accepted after 6 and 10 hours, results after 12 and 20.
    assert (month.median_accept_hours, month.median_result_hours) == (4.0, 20.0)
    assert month.accept_sla == SlaFigure(kept=6, counted=9)
    assert month.result_sla == SlaFigure(kept=4, counted=7)
    assert month.rating_counts == (1, 1, 0, 1, 2)
    assert month.rating_average == pytest.approx(17 / 5)


async def test_nothing_filed_gives_zeros_and_no_figures(stats: StatsService) -> None:
    summary = await stats.summary(7)

    assert summary == Summary(
        days=7,
        first_day=date(2026, 11, 15),
        last_day=date(2026, 11, 21),
        total=0,
        by_category=tuple(categories().items()),
        by_status=tuple(statuses().items()),
        median_accept_hours=None,
        median_result_hours=None,
        accept_sla=SlaFigure(0, 0),
        result_sla=SlaFigure(0, 0),
        rating_counts=(0, 0, 0, 0, 0),
        rating_average=None,
    )
    assert (summary.accept_sla.percent, summary.result_sla.percent) == (None, None)


async def test_a_rejection_after_a_reopened_resolution_is_the_result_that_stands(
    stats: StatsService, tickets: TicketService, sessions: SessionFactory
) -> None:
    ticket = await tickets.file_ticket(BUYER, category="delivery", description="…")
    # Resolved after 10 h, reopened at 20 h (result due again at 92 h), rejected at 100 h.
    case = Case("delivery", S.REJECTED, ago(110), accepted=1, resolved=10, rejected=100)
    await place(sessions, ticket.number, case)
    async with transaction(sessions) as session:
        restarted = case.filed + timedelta(hours=20)
        await session.execute(
            update(Ticket)
            .where(Ticket.number == ticket.number)
            .values(resolve_due_at=restarted + timedelta(hours=72))
        )

    summary = await stats.summary(7)

    assert summary.median_result_hours == 100.0
    assert summary.result_sla == SlaFigure(kept=0, counted=1)


async def test_a_window_is_at_least_a_day(stats: StatsService) -> None:
    with pytest.raises(ValueError):
        await stats.summary(0)


async def test_a_one_day_window_starts_at_local_midnight(
    stats: StatsService, tickets: TicketService, sessions: SessionFactory
) -> None:
    today = await tickets.file_ticket(BUYER, category="delivery", description="…")
    yesterday = await tickets.file_ticket(BUYER, category="delivery", description="…")
    midnight = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 21 November 00:00 in Shanghai
    await place(sessions, today.number, Case("delivery", S.NEW, midnight))
    await place(sessions, yesterday.number, Case("delivery", S.NEW, midnight - timedelta(0, 1)))

    summary = await stats.summary(1)

    assert (summary.first_day, summary.total) == (date(2026, 11, 21), 1)
