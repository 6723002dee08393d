"""The statistics as agents see them: a short HTML message and a PNG chart."""

from __future__ import annotations

import io
import re
import warnings
from datetime import date

import pytest
from PIL import Image

from bot.services.stats import SlaFigure, Summary
from bot.views.stats import render_chart, render_summary
from storage.lifecycle import TicketStatus

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CATEGORIES = (
    "product_quality not_as_described counterfeit delivery refund_return customer_service "
    "message_blocked billing account privacy content_violation platform_bug"
).split()


def summary(days: int, first_day: date, **counts: int) -> Summary:
    """The 7-day figures of tests/services/test_stats.py, with other category counts if given."""
    counts = counts or dict(
        delivery=2, product_quality=2, counterfeit=1, billing=1, refund_return=1, privacy=1
    )
    return Summary(
        days=days,
        first_day=first_day,
        last_day=date(2026, 11, 21),
        total=sum(counts.values()),
        by_category=tuple((c, counts.get(c, 0)) for c in CATEGORIES),
        by_status=tuple(
            (s, {"new": 2, "closed": 1, "investigating": 1}.get(s.value, 0)) for s in TicketStatus
        ),
        median_accept_hours=3.0,
        median_result_hours=30.25,
        accept_sla=SlaFigure(4, 7),
        result_sla=SlaFigure(2, 5),
        rating_counts=(1, 1, 0, 0, 1),
        rating_average=8 / 3,
    )


def empty(days: int, first_day: date) -> Summary:
    return Summary(
        days=days,
        first_day=first_day,
        last_day=date(2026, 11, 21),
        total=0,
        by_category=tuple((c, 0) for c in CATEGORIES),
        by_status=tuple((s, 0) for s in TicketStatus),
        median_accept_hours=None,
        median_result_hours=None,
        accept_sla=SlaFigure(0, 0),
        result_sla=SlaFigure(0, 0),
        rating_counts=(0, 0, 0, 0, 0),
        rating_average=None,
    )


WEEK = summary(7, date(2026, 11, 15))
MONTH = summary(30, date(2026, 10, 23), delivery=9, product_quality=5, account=4, privacy=3)


def test_the_english_text_has_both_windows_figures() -> None:
    text = render_summary(WEEK, MONTH, "en")

    for part in (
        "<b>Last 7 days</b> (2026-11-15 – 2026-11-21): 8 complaint(s)",
        "<b>Last 30 days</b> (2026-10-23 – 2026-11-21): 21 complaint(s)",
        "Status: new 2 · investigating 1 · closed 1",
        "Top categories: Product quality 2 · Delivery 2 · Counterfeit 1 · Refund &amp; return 1 "
        "· Billing &amp; price 1 · others 1",
        "Top categories: Delivery 9 · Product quality 5 · Account 4 · Privacy &amp; data 3\n",
        "Median time to review: 3.0 h; to the result: 30.2 h",
        "Due times kept: review 57% (4/7), result 40% (2/5)",
        "Rating: 2.7 ★ from 3 (1★ 1 · 2★ 1 · 3★ 0 · 4★ 0 · 5★ 1)",
    ):
        assert part in text
    assert text.count("• ") == 10


def test_the_chinese_text_is_localised() -> None:
    text = render_summary(WEEK, MONTH, "zh")

    assert "<b>近 7 天</b>(2026-11-15 – 2026-11-21):共 8 件投诉" in text
    assert "主要类别:商品质量问题 2 · 物流 / 未收到货 2" in text
    assert "时限达标率:受理 57%(4/7),出结果 40%(2/5)" in text
    assert "评分:平均 2.7 ★,共 3 条" in text


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_text_is_valid_telegram_html(language: str) -> None:
    text = render_summary(WEEK, empty(30, date(2026, 10, 23)), language)

    assert set(re.findall(r"</?(\w+)", text)) <= {"b", "i"}
    assert re.findall(r"&(?!amp;|lt;|gt;|quot;)", text) == []


def test_an_empty_window_says_so_without_figures() -> None:
    text = render_summary(empty(7, date(2026, 11, 15)), MONTH, "en")

    week = text.split("\n\n")[1]
    assert week == (
        "<b>Last 7 days</b> (2026-11-15 – 2026-11-21): 0 complaint(s)\nNo complaints were filed."
    )


@pytest.mark.parametrize("window", [WEEK, empty(7, date(2026, 11, 15))], ids=["filed", "empty"])
def test_the_chart_is_a_png_of_a_sensible_size(window: Summary) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph (Chinese without a CJK font) warns
        png = render_chart(window, "zh")

    assert png.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size == (1100, 500)
        image.verify()
    assert 10_000 < len(png) < 1_000_000


def test_rendering_leaves_no_figure_open() -> None:
    from matplotlib import pyplot

    render_chart(WEEK, "en")

    assert pyplot.get_fignums() == []
    assert pyplot.get_backend().lower() == "agg"
