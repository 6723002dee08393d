"""Recurring problems: exact figures on a known data set, the export's new columns, and the
shop alert sent once per shop and week."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.services.export import write_csv
from bot.services.report import ReportService, shop_key
from bot.services.shop_alerts import ShopAlertService
from bot.services.stats import StatsService
from bot.services.tickets import TicketService
from bot.views.report import render_report, render_trend_chart
from storage.db import SessionFactory, transaction
from storage.lifecycle import TicketStatus
from storage.models import Rating, Ticket
from tests.conftest import FakeClock
from tests.services.conftest import BUYER

pytestmark = pytest.mark.usefixtures("known")
S = TicketStatus


def local(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A time in Shanghai (UTC+8), as UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


# number, filed (Shanghai), shop, platform, category, status, hours to the result, score
DATA = [
    # the last 7 days: 15-21 November
    ("TS-20261116-0001", local(11, 16), "Shop A", "taobao", "product_quality", S.RESOLVED, 24, 1),
    ("TS-20261118-0001", local(11, 18), " shop  a", "taobao", "product_quality", S.REJECTED, 12, 4),
    ("TS-20261120-0001", local(11, 20, 9), "Shop A", "jd", "delivery", S.NEW, None, None),
    ("TS-20261119-0001", local(11, 19, 8), "店铺B", "jd", "delivery", S.CLOSED, 48, 2),
    ("TS-20261121-0001", local(11, 21, 9), None, "pinduoduo", "billing", S.NEW, None, None),
    # the 7 days before: 8-14 November
    ("TS-20261110-0001", local(11, 10), "Shop A", "taobao", "product_quality", S.NEW, None, None),
    ("TS-20261112-0001", local(11, 12), "店铺B", "taobao", "delivery", S.NEW, None, None),
    ("TS-20261114-0001", local(11, 14, 23, 30), "店铺B", "jd", "delivery", S.NEW, None, None),
    # earlier still
    ("TS-20261101-0001", local(11, 1), "Shop A", "taobao", "product_quality", S.NEW, None, None),
]


async def load(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        for number, filed, shop, platform, category, status, hours, score in DATA:
            result = None if hours is None else filed + timedelta(hours=hours)
            ticket = Ticket(
                number=number, owner_id=BUYER, category=category, platform=platform, shop=shop,
                status=status, filed_at=filed, updated_at=filed,
                accept_due_at=filed + timedelta(hours=24),
                investigate_due_at=filed + timedelta(hours=48),
                resolve_due_at=filed + timedelta(hours=72),
                resolved_at=result if status in (S.RESOLVED, S.CLOSED) else None,
                rejected_at=result if status is S.REJECTED else None,
            )  # fmt: skip
            session.add(ticket)
            await session.flush()
            if score is not None:
                session.add(Rating(ticket_id=ticket.id, score=score, created_at=filed,
                                   updated_at=filed))  # fmt: skip


def figures(rows) -> list[tuple]:
    return [(r.label, r.count, r.change, r.median_result_hours, r.poor_share) for r in rows]


async def test_exact_figures_of_the_last_7_days_against_the_7_before(
    sessions: SessionFactory, clock: FakeClock
) -> None:
    await load(sessions)

    report = await ReportService(sessions, clock, "Asia/Shanghai").report(7)

    assert (report.first_day, report.last_day) == (date(2026, 11, 15), date(2026, 11, 21))
    assert (report.total, report.previous_total) == (5, 3)
    assert figures(report.shops) == [("Shop A", 3, +2, 18.0, 0.5), ("店铺B", 1, -1, 48.0, 1.0)]
    assert figures(report.platforms) == [
        ("jd", 2, +1, 48.0, 1.0),
        ("taobao", 2, 0, 18.0, 0.5),
        ("pinduoduo", 1, +1, None, None),
    ]
    assert figures(report.categories) == [
        ("delivery", 2, 0, 48.0, 1.0),
        ("product_quality", 2, +1, 18.0, 0.5),
        ("billing", 1, +1, None, None),
    ]
    assert report.weeks[-3:] == (
        (date(2026, 11, 2), 0),
        (date(2026, 11, 9), 3),
        (date(2026, 11, 16), 5),
    )
    assert report.weeks[-4] == (date(2026, 10, 26), 1)  # Sunday 1 November
    assert len(report.weeks) == 8 and sum(n for _, n in report.weeks) == 9


async def test_the_30_days_report_and_its_rendering(
    sessions: SessionFactory, clock: FakeClock
) -> None:
    await load(sessions)
    service = ReportService(sessions, clock, "Asia/Shanghai")

    month = await service.report(30)

    assert (month.total, month.previous_total) == (9, 0)
    assert figures(month.shops)[0] == ("Shop A", 5, +5, 18.0, 0.5)
    text = render_report(await service.report(7), "zh")
    assert text.startswith(
        "🔁 <b>最近 7 天的集中问题</b>(2026-11-15 至 2026-11-21):5 件,上一期 3 件(+2)"
    )
    assert "• Shop A:3 件(+2)· 处理结果中位 18.0 小时 · 差评 50%(2 个评价)" in text
    assert "• 店铺B:1 件(-1)· 处理结果中位 48.0 小时 · 差评 100%(1 个评价)" in text
    assert "• 京东:2 件(+1)" in text and "• 拼多多:1 件(+1)· 处理结果中位 — · 差评 —" in text
    english = render_report(await service.report(7), "en")
    expected = "• Shop A: 3 (+2) · median time to result 18.0 h · poor ratings 50% (of 2 rated)"
    assert expected in english
    png = render_trend_chart(month, "zh")
    assert png.startswith(b"\x89PNG")


async def test_a_merged_ticket_is_the_same_complaint_and_counts_once(
    sessions: SessionFactory, clock: FakeClock
) -> None:
    await load(sessions)
    async with transaction(sessions) as session:
        await session.execute(
            update(Ticket)
            .where(Ticket.number == "TS-20261118-0001")
            .values(merged_into="TS-20261116-0001")
        )

    report = await ReportService(sessions, clock, "Asia/Shanghai").report(7)

    assert report.total == 4
    assert figures(report.shops)[0] == ("Shop A", 2, +1, 24.0, 1.0)


def test_shops_are_one_however_their_spaces_and_capitals_are_typed() -> None:
    assert shop_key("  Shop   A ") == shop_key("shop a") == "shop a"
    assert shop_key("   ") is None and shop_key(None) is None


async def test_the_export_gains_the_analysis_columns_and_keeps_its_bom(
    sessions: SessionFactory, clock: FakeClock
) -> None:
    await load(sessions)
    rows = await StatsService(sessions, clock, "Asia/Shanghai").tickets_between(
        date(2026, 11, 15), date(2026, 11, 21)
    )

    filled = await ReportService(sessions, clock, "Asia/Shanghai").export_columns(rows)
    stream = io.StringIO(newline="")
    write_csv(filled, stream)

    assert stream.getvalue().startswith("\ufeffnumber,")
    table = list(csv.DictReader(io.StringIO(stream.getvalue().lstrip("\ufeff"))))
    got = {
        r["number"]: (r["result_hours"], r["poor_rating"], r["shop_key"], r["shop_complaints_7d"])
        for r in table
    }
    assert got == {
        "TS-20261116-0001": ("24.0", "1", "shop a", "2"),  # with 10 November's
        "TS-20261118-0001": ("12.0", "0", "shop a", "2"),  # 10 November is 8 days before
        "TS-20261120-0001": ("", "", "shop a", "3"),
        "TS-20261119-0001": ("48.0", "1", "店铺b", "3"),
        "TS-20261121-0001": ("", "", "", ""),
    }


async def claim_due(alerts: ShopAlertService) -> list:
    """What the job does, without the group: each due alert claimed."""
    due = await alerts.due()
    for alert in due:
        assert await alerts.claim(alert)
    return due


async def test_the_alert_fires_once_per_shop_and_week(
    sessions: SessionFactory, clock: FakeClock
) -> None:
    await load(sessions)
    reports = ReportService(sessions, clock, "Asia/Shanghai")
    alerts = ShopAlertService(sessions, reports, TicketService(sessions, clock=clock), clock, 2)

    [due] = await claim_due(alerts)
    # "shop a" has 3 in the last 7 x 24 h; 店铺B has 2 (14 November 23:30 counts), not more.
    assert due.cluster.label == "Shop A" and due.week == "2026-W47"
    assert [t.number for t in due.tickets] == [
        "TS-20261116-0001", "TS-20261118-0001", "TS-20261120-0001",
    ]  # fmt: skip
    assert await claim_due(alerts) == []
    clock.advance(days=1)  # Sunday: still the same week
    assert await claim_due(alerts) == []

    clock.advance(days=1)  # Monday 23 November 10:00, a new week; 16 November 10:00 still in
    [again] = await claim_due(alerts)
    assert again.week == "2026-W48" and len(again.tickets) == 3
    assert again.key != due.key and len(again.key) <= 96  # the outbox's key column
    assert await claim_due(alerts) == []


async def test_an_alert_stays_due_until_claimed_and_is_claimed_once(
    sessions: SessionFactory, clock: FakeClock
) -> None:
    await load(sessions)
    reports = ReportService(sessions, clock, "Asia/Shanghai")
    alerts = ShopAlertService(sessions, reports, TicketService(sessions, clock=clock), clock, 2)

    [due] = await alerts.due()  # queued, then the process died before claiming it
    [again] = await alerts.due()
    assert again.key == due.key  # queued again under the same key: queued once
    assert await alerts.claim(again) and not await alerts.claim(due)
    assert await alerts.due() == []
