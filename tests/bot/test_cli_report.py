"""`complaint-desk report` and the export's analysis columns, run as an operator runs them."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from tests.bot.test_cli_stats import SHOP, database, run_cli

__all__ = ["database"]  # the fixture, shared with the stats commands' tests


def test_report_prints_the_recurring_problems_and_draws_the_trend(
    database: tuple[Path, date], tmp_path: Path
) -> None:
    path, _ = database
    chart = tmp_path / "trend.png"

    done = run_cli("report", "--days", "30", "--chart", str(chart), database=path, home=tmp_path)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("🔁 Recurring problems, last 30 days")
    assert lines[0].endswith("2 complaint(s), 0 the period before (+2)")
    assert f"• {SHOP}: 1 (+1) · median time to result 0.0 h · poor ratings 0% (of 1 rated)" in lines
    assert "• Delivery: 1 (+1) · median time to result — · poor ratings —" in lines
    assert "<" not in done.stdout
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_export_has_the_analysis_columns(database: tuple[Path, date], tmp_path: Path) -> None:
    path, today = database
    out = tmp_path / "tickets.csv"

    done = run_cli(
        "export", "--from", str(today), "--to", str(today), "--out", str(out),
        database=path, home=tmp_path,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbfnumber,")
    with out.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    first, second = rows
    assert (first["result_hours"], first["poor_rating"], first["shop_key"]) == ("0.0", "0", SHOP)
    assert first["shop_complaints_7d"] == "1"
    assert (second["result_hours"], second["poor_rating"], second["shop_key"]) == ("", "", "")
