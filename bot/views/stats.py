"""Complaint statistics for the agents: a short HTML message and a PNG chart.

The chart's labels are English whatever the language: no CJK font is installed on the
service's machines, and matplotlib would draw Chinese as empty boxes. The message beside it
is localised.
"""

from __future__ import annotations

from html import escape
from io import BytesIO

import matplotlib

matplotlib.use("Agg")  # draw to memory only, never to a display

from matplotlib.axes import Axes  # noqa: E402  (after the backend is chosen)
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from bot.services.stats import SCORES, FirstGuesses, SlaFigure, Summary  # noqa: E402
from bot.texts import t  # noqa: E402

TOP_CATEGORIES = 5
CHART_SIZE = (11, 5)  # inches; at CHART_DPI, 1100 x 500 pixels
CHART_DPI = 100
BAR_COLOUR = "#4C78A8"
RATING_COLOURS = ("#D62728", "#FF7F0E", "#BCBD22", "#8CC152", "#2CA02C")


def render_summary(summary7: Summary, summary30: Summary, language: str) -> str:
    """Both windows' figures in a few lines of Telegram HTML."""
    parts = [t(language, "stats.header")]
    parts += [_window(summary, language) for summary in (summary7, summary30)]
    parts.append(t(language, "stats.sla_note"))
    return "\n\n".join(parts)


def _window(summary: Summary, language: str) -> str:
    lines = [
        t(
            language,
            "stats.window",
            days=summary.days,
            first=summary.first_day.isoformat(),
            last=summary.last_day.isoformat(),
            total=summary.total,
        )
    ]
    if summary.total == 0:
        return "\n".join([*lines, t(language, "stats.empty")])
    statuses = [
        f"{escape(t(language, f'stats.status_{status.value}'))} {count}"
        for status, count in summary.by_status
        if count
    ]
    lines.append(t(language, "stats.statuses", items=" · ".join(statuses)))
    lines.append(t(language, "stats.categories", items=_top_categories(summary, language)))
    lines.append(
        t(
            language,
            "stats.medians",
            accept=_hours(summary.median_accept_hours, language),
            result=_hours(summary.median_result_hours, language),
        )
    )
    lines.append(
        t(
            language,
            "stats.sla",
            accept=_sla(summary.accept_sla, language),
            result=_sla(summary.result_sla, language),
        )
    )
    lines.append(_rating(summary, language))
    return "\n".join("• " + line if i else line for i, line in enumerate(lines))


def _category_label(category: str, language: str) -> str:
    key = f"category.{category}"
    try:
        return t(language, key)
    except KeyError:  # a category outside today's taxonomy keeps its code
        return category


def _top_categories(summary: Summary, language: str) -> str:
    filed = sorted(((n, c) for c, n in summary.by_category if n), key=lambda item: -item[0])
    items = [f"{escape(_category_label(c, language))} {n}" for n, c in filed[:TOP_CATEGORIES]]
    rest = sum(n for n, _ in filed[TOP_CATEGORIES:])
    if rest:
        items.append(t(language, "stats.others", count=rest))
    return " · ".join(items)


def _hours(hours: float | None, language: str) -> str:
    if hours is None:
        return t(language, "stats.no_figure")
    return t(language, "stats.hours", hours=f"{hours:.1f}")


def _sla(figure: SlaFigure, language: str) -> str:
    if figure.percent is None:
        return t(language, "stats.no_figure")
    return t(
        language,
        "stats.sla_figure",
        percent=f"{figure.percent:.0f}",
        kept=figure.kept,
        counted=figure.counted,
    )


def _rating(summary: Summary, language: str) -> str:
    if summary.rating_average is None:
        return t(language, "stats.no_ratings")
    items = " · ".join(f"{s}★ {n}" for s, n in zip(SCORES, summary.rating_counts, strict=True))
    return t(
        language,
        "stats.rating",
        average=f"{summary.rating_average:.1f}",
        count=summary.rating_total,
        items=items,
    )


def render_chart(summary: Summary, language: str) -> bytes:
    """A PNG: tickets per category (horizontal bars) beside the ratings' distribution.

    Labels are English whatever `language` is (see the module's docstring). The figure is
    built without pyplot, so no global registry keeps it alive once the bytes are returned,
    and rendering may run in a worker thread.
    """
    figure = Figure(figsize=CHART_SIZE, dpi=CHART_DPI, layout="constrained")
    categories, ratings = figure.subplots(1, 2, width_ratios=(3, 2))
    figure.suptitle(
        f"Complaints filed in the last {summary.days} days "
        f"({summary.first_day.isoformat()} to {summary.last_day.isoformat()}): {summary.total}",
        fontsize=13,
    )
    _draw_categories(categories, summary)
    _draw_ratings(ratings, summary)
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    figure.clear()
    return buffer.getvalue()


def _draw_categories(axes: Axes, summary: Summary) -> None:
    labels = [_category_label(category, "en") for category, _ in summary.by_category]
    counts = [count for _, count in summary.by_category]
    bars = axes.barh(labels, counts, color=BAR_COLOUR)
    axes.invert_yaxis()  # the taxonomy's first category on top
    axes.bar_label(bars, padding=3)
    axes.set_title("Tickets per category")
    axes.set_xlabel("tickets")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlim(0, max(max(counts, default=0), 1) * 1.15)


def _draw_ratings(axes: Axes, summary: Summary) -> None:
    counts = list(summary.rating_counts)
    bars = axes.bar([f"{score}★" for score in SCORES], counts, color=RATING_COLOURS)
    axes.bar_label(bars, padding=3)
    if summary.rating_average is None:
        axes.set_title("Ratings (none yet)")
    else:
        axes.set_title(
            f"Ratings (average {summary.rating_average:.1f} from {summary.rating_total})"
        )
    axes.set_xlabel("score")
    axes.set_ylabel("ratings")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max(max(counts), 1) * 1.15)


def render_first_guesses(figures: FirstGuesses, language: str) -> str:
    """How often agents and buyers kept the model's first guess, overall and by category."""
    if figures.counted == 0:
        return t(language, "corrections.stats_none", days=figures.days)
    lines = [
        t(
            language,
            "corrections.stats_header",
            days=figures.days,
            counted=figures.counted,
            overall=_guess_figure(figures.kept, figures.counted, language),
        )
    ]
    for category, kept, counted in figures.by_category:
        figure = _guess_figure(kept, counted, language)
        label = escape(_category_label(category, language))
        lines.append("• " + t(language, "corrections.stats_line", category=label, figure=figure))
    return "\n".join(lines)


def _guess_figure(kept: int, counted: int, language: str) -> str:
    percent = f"{100 * kept / counted:.0f}"
    return t(language, "corrections.stats_figure", percent=percent, kept=kept, counted=counted)
