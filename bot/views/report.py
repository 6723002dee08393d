"""Recurring problems as agents and operators read them: HTML lines and a weekly-trend chart."""

from __future__ import annotations

from html import escape
from io import BytesIO

import matplotlib

matplotlib.use("Agg")  # draw to memory only, never to a display

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from bot.dossier.fonts import chart_font  # noqa: E402
from bot.services.report import TREND_WEEKS, ProblemRow, Report, ShopCluster  # noqa: E402
from bot.texts import t  # noqa: E402

CHART_SIZE = (10, 4.5)
CHART_DPI = 100
BAR_COLOUR = "#4C78A8"


def render_report(report: Report, language: str) -> str:
    """The period's top shops, platforms and categories, each against the period before."""
    head = t(
        language,
        "report.header",
        days=report.days,
        first=report.first_day.isoformat(),
        last=report.last_day.isoformat(),
        total=report.total,
        previous=report.previous_total,
        change=_change(report.total - report.previous_total),
    )
    if report.total == 0:
        return f"{head}\n{t(language, 'report.empty')}"
    parts = [head]
    for key, rows, group in (
        ("shops", report.shops, None),
        ("platforms", report.platforms, "platform"),
        ("categories", report.categories, "category"),
    ):
        lines = [_row(row, group, language) for row in rows] or [t(language, "report.none")]
        parts.append("\n".join([t(language, f"report.{key}"), *lines]))
    return "\n\n".join(parts)


def render_alert(cluster: ShopCluster, threshold: int, tickets: list, language: str) -> str:
    """The agents' alert about one shop; `tickets` are its TicketRecords, oldest first."""
    items = "\n".join(
        t(
            language,
            "report.alert_ticket",
            number=ticket.number,
            category=escape(_label(language, "category", ticket.category)),
            filed=ticket.filed_at.date().isoformat(),
        )
        for ticket in tickets
    )
    return t(language, "report.alert", shop=escape(cluster.label), count=len(cluster.numbers),
             threshold=threshold, tickets=items)  # fmt: skip


def render_trend_chart(report: Report, language: str) -> bytes:
    """A PNG: complaints per week (bars), the last TREND_WEEKS weeks, labels in `language`."""
    chart_font()
    figure = Figure(figsize=CHART_SIZE, dpi=CHART_DPI, layout="constrained")
    axes = figure.subplots()
    labels = [monday.strftime("%m-%d") for monday, _ in report.weeks]
    counts = [count for _, count in report.weeks]
    bars = axes.bar(labels, counts, color=BAR_COLOUR)
    axes.bar_label(bars, padding=3)
    axes.set_title(t(language, "chart.trend_title", weeks=TREND_WEEKS))
    axes.set_xlabel(t(language, "chart.week_axis"))
    axes.set_ylabel(t(language, "chart.tickets"))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max(max(counts, default=0), 1) * 1.15)
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    figure.clear()
    return buffer.getvalue()


def _row(row: ProblemRow, group: str | None, language: str) -> str:
    label = row.label if group is None else _label(language, group, row.key)
    median = (
        t(language, "report.no_figure")
        if row.median_result_hours is None
        else t(language, "report.hours", hours=f"{row.median_result_hours:.1f}")
    )
    poor = (
        t(language, "report.no_figure")
        if row.poor_share is None
        else t(language, "report.poor", percent=f"{100 * row.poor_share:.0f}", rated=row.rated)
    )
    return t(language, "report.row", label=escape(label), count=row.count,
             change=_change(row.change), median=median, poor=poor)  # fmt: skip


def _change(change: int) -> str:
    return f"+{change}" if change > 0 else ("±0" if change == 0 else str(change))


def _label(language: str, group: str, code: str) -> str:
    try:
        return t(language, f"{group}.{code}")
    except KeyError:
        return code
