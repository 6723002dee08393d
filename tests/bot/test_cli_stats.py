"""The operators' stats and export commands, run as an operator runs them."""

from __future__ import annotations

import asyncio
import csv
import subprocess
import sys
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from bot.services.people import PeopleService
from bot.services.tickets import TicketService
from storage.db import create_engine, create_session_factory, transaction
from storage.lifecycle import TicketStatus
from storage.migrate import upgrade_database_sync
from storage.models import Ticket

SHOP = '小米 "官方", 旗舰店'


def run_cli(*args: str, database: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "AGENT_LANGUAGE": "en",
        "MPLCONFIGDIR": str(home / "matplotlib"),  # its font cache, away from the real home
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


async def seed(url: str) -> date:
    """Two tickets filed now, one of them resolved and rated; returns today in Shanghai."""
    engine = create_engine(url)
    try:
        sessions = create_session_factory(engine)
        await PeopleService(sessions).get_or_create(1001, "Li Wei", "zh")
        tickets = TicketService(sessions)
        first = await tickets.file_ticket(
            1001, category="refund_return", description="不退款", shop=SHOP
        )
        await tickets.file_ticket(1001, category="delivery", description="没收到")
        async with transaction(sessions) as session:
            await session.execute(
                update(Ticket)
                .where(Ticket.id == first.id)
                .values(status=TicketStatus.RESOLVED, resolved_at=first.filed_at)
            )
        await tickets.rate(1001, first.number, 5, "快, 好")
        return first.filed_at.astimezone(ZoneInfo("Asia/Shanghai")).date()
    finally:
        await engine.dispose()


@pytest.fixture
def database(tmp_path: Path) -> tuple[Path, date]:
    """A migrated SQLite file with two tickets, and the day they were filed."""
    path = tmp_path / "ops.sqlite3"
    upgrade_database_sync(f"sqlite+aiosqlite:///{path}")
    return path, asyncio.run(seed(f"sqlite+aiosqlite:///{path}"))


def test_stats_prints_plain_text_and_draws_the_chart(
    database: tuple[Path, date], tmp_path: Path
) -> None:
    path, _ = database
    chart = tmp_path / "week.png"

    done = run_cli("stats", "--chart", str(chart), database=path, home=tmp_path)

    assert done.returncode == 0, done.stderr
    assert "Last 7 days" in done.stdout and "Last 30 days" in done.stdout
    assert done.stdout.count("2 complaint(s)") == 2
    assert "Refund & return 1" in done.stdout  # entities turned back into characters
    assert "Rating: 5.0 ★ from 1" in done.stdout
    assert "<" not in done.stdout
    assert f"written to {chart}" in done.stdout
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_export_writes_the_csv_and_counts_it(database: tuple[Path, date], tmp_path: Path) -> None:
    path, today = database
    out = tmp_path / "tickets.csv"

    done = run_cli(
        "export", "--from", str(today), "--to", str(today), "--out", str(out),
        database=path, home=tmp_path,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Wrote 2 ticket(s) filed {today} to {today} to {out}."
    with out.open(encoding="utf-8-sig", newline="") as stream:
        header, first, second = csv.reader(stream)
    row = dict(zip(header, first, strict=True))
    assert (row["category"], row["shop"], row["rating_score"], row["rating_comment"]) == (
        "refund_return",
        SHOP,
        "5",
        "快, 好",
    )
    assert dict(zip(header, second, strict=True))["category"] == "delivery"


def test_export_refuses_a_range_that_ends_before_it_starts(tmp_path: Path) -> None:
    done = run_cli(
        "export", "--from", "2026-11-21", "--to", "2026-11-20", "--out", str(tmp_path / "x.csv"),
        database=tmp_path / "ops.sqlite3", home=tmp_path,
    )  # fmt: skip

    assert done.returncode == 2
    assert "--to must not be before --from" in done.stderr
    assert not (tmp_path / "x.csv").exists()
