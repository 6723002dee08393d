"""The CSV export: which tickets, in local time, and a file spreadsheets open correctly."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from bot.services.export import HEADER, write_csv
from bot.services.stats import StatsService
from bot.services.tickets import TicketService
from storage.db import SessionFactory, transaction
from storage.lifecycle import TicketStatus
from storage.models import Resolution, Ticket
from tests.conftest import FakeClock
from tests.services.conftest import BUYER

pytestmark = pytest.mark.usefixtures("known")

WEEK_STARTS = datetime(2026, 11, 14, 16, 0, tzinfo=UTC)  # 15 November 00:00 in Shanghai
SHOP = '小米 "官方", 旗舰店'
COMMENT = '发货慢,\n客服"不理人"'
FORMULA = '=HYPERLINK("http://example.com","点我")'

EXPECTED_HEADER = [
    "number",
    "filed_at",
    "category",
    "platform",
    "status",
    "desired_resolution",
    "order_number",
    "shop",
    "accepted_at",
    "resolved_at",
    "rejected_at",
    "closed_at",
    "escalated_at",
    "accept_due_at",
    "investigate_due_at",
    "resolve_due_at",
    "rating_score",
    "rating_comment",
    "merged_into",
    "model_category",
    "model_confidence",
    "result_hours",  # the analysis columns, filled by bot/services/report.py (test_report.py)
    "poor_rating",
    "shop_key",
    "shop_complaints_7d",
]
FIRST = [
    "TS-20261121-0001",
    "2026-11-15T00:00:00+08:00",
    "product_quality",
    "taobao",
    "closed",
    "refund",
    "4012345678901234567",
    SHOP,
    "2026-11-15T02:00:00+08:00",
    "2026-11-16T06:00:00+08:00",
    "",
    "2026-11-16T16:00:00+08:00",
    "",
    "2026-11-16T00:00:00+08:00",
    "2026-11-17T00:00:00+08:00",
    "2026-11-18T00:00:00+08:00",
    "4",
    COMMENT,
    "",
    "not_as_described",  # the model's first guess, corrected by an agent
    "0.61",
    *[""] * 4,
]
LAST = [
    "TS-20261121-0003",
    "2026-11-21T10:00:00+08:00",
    "counterfeit",
    "",
    "new",
    "",
    "",
    "'" + FORMULA,  # a spreadsheet shows it as text instead of running it
    "",
    "",
    "",
    "",
    "",
    "2026-11-22T10:00:00+08:00",
    "2026-11-23T10:00:00+08:00",
    "2026-11-24T10:00:00+08:00",
    "",
    "",
    "TS-20261121-0001",  # folded into the first ticket
    "",
    "",
    *[""] * 4,
]


async def move(sessions: SessionFactory, number: str, **values: Any) -> None:
    """Sets a ticket's columns straight in the database."""
    async with transaction(sessions) as session:
        await session.execute(update(Ticket).where(Ticket.number == number).values(**values))


@pytest.fixture
async def stats(
    known: None, sessions: SessionFactory, clock: FakeClock, tickets: TicketService
) -> StatsService:
    """Four tickets, two of them filed from 15 to 21 November in Shanghai."""
    first = await tickets.file_ticket(
        BUYER,
        category="product_quality",
        description='杯子碎了, 客服说"不退"',
        platform="taobao",
        order_number="4012345678901234567",
        shop=SHOP,
        desired_resolution=Resolution.REFUND,
    )
    too_early = await tickets.file_ticket(BUYER, category="delivery", description="…")
    last = await tickets.file_ticket(BUYER, category="counterfeit", description="…", shop=FORMULA)
    too_late = await tickets.file_ticket(BUYER, category="billing", description="…")
    await move(
        sessions,
        first.number,
        status=TicketStatus.CLOSED,
        filed_at=WEEK_STARTS,
        accepted_at=WEEK_STARTS + timedelta(hours=2),
        resolved_at=WEEK_STARTS + timedelta(hours=30),
        closed_at=WEEK_STARTS + timedelta(hours=40),
        accept_due_at=WEEK_STARTS + timedelta(hours=24),
        investigate_due_at=WEEK_STARTS + timedelta(hours=48),
        resolve_due_at=WEEK_STARTS + timedelta(hours=72),
    )
    await tickets.rate(BUYER, first.number, 4, COMMENT)
    await move(sessions, first.number, model_category="not_as_described", model_confidence=0.61)
    await move(sessions, last.number, merged_into=first.number)
    await move(sessions, too_early.number, filed_at=WEEK_STARTS - timedelta(seconds=1))
    await move(sessions, too_late.number, filed_at=WEEK_STARTS + timedelta(days=7))
    assert last.filed_at == clock.now
    return StatsService(sessions, clock, "Asia/Shanghai")


async def test_tickets_between_takes_whole_local_days(stats: StatsService) -> None:
    rows = await stats.tickets_between(date(2026, 11, 15), date(2026, 11, 21))

    assert [row.number for row in rows] == ["TS-20261121-0001", "TS-20261121-0003"]
    assert rows[0].filed_at.isoformat() == "2026-11-15T00:00:00+08:00"
    assert (rows[0].rating_score, rows[0].rating_comment) == (4, COMMENT)
    next_day = await stats.tickets_between(date(2026, 11, 22), date(2026, 11, 22))
    day_before = await stats.tickets_between(date(2026, 11, 14), date(2026, 11, 14))
    assert [row.number for row in next_day + day_before] == [
        "TS-20261121-0004",
        "TS-20261121-0002",
    ]
    assert await stats.tickets_between(date(2026, 11, 16), date(2026, 11, 20)) == []


async def test_the_file_has_a_bom_and_reads_back_exactly(
    stats: StatsService, tmp_path: Path
) -> None:
    path = tmp_path / "tickets.csv"
    rows = await stats.tickets_between(date(2026, 11, 15), date(2026, 11, 21))

    assert write_csv(rows, path) == 2

    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and not raw.startswith(b"\xef\xbb\xbf" * 2)
    with path.open(encoding="utf-8-sig", newline="") as stream:
        assert list(csv.reader(stream)) == [EXPECTED_HEADER, FIRST, LAST]
    assert list(HEADER) == EXPECTED_HEADER


async def test_a_stream_gets_the_same_text(stats: StatsService, tmp_path: Path) -> None:
    rows = await stats.tickets_between(date(2026, 11, 15), date(2026, 11, 21))
    stream = io.StringIO(newline="")
    write_csv(rows, stream)
    write_csv(rows, tmp_path / "tickets.csv")

    assert stream.getvalue().encode("utf-8") == (tmp_path / "tickets.csv").read_bytes()


def test_no_tickets_still_give_the_header(tmp_path: Path) -> None:
    assert write_csv([], tmp_path / "empty.csv") == 0
    assert (tmp_path / "empty.csv").read_text(encoding="utf-8-sig").splitlines() == [
        ",".join(EXPECTED_HEADER)
    ]
