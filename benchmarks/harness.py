"""What the load benchmarks share: the database, the NLU server, the buyer's journey through
the intake's buttons, the process figures read from /proc, and how results are printed."""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select, text

from bot.nlu_model import NluServer, ensure_model, free_port
from storage.db import create_engine
from storage.models import Ticket
from tests.nlu.scoring import load_examples

PROJECT = Path(__file__).resolve().parents[1]
POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
CONVERSATION = {"greet", "goodbye", "thank", "help", "check_status", "escalate", "cancel",
                "affirm", "deny", "faq"}  # fmt: skip
SKIP, DONE, YES, NEW_COMPLAINT = "跳过", "✅ 完成", "✅ 对", "📝 新投诉"
MAX_DETAILS = 6  # questions the intake may ask after the category (fewer when answered)


def descriptions() -> list[str]:
    examples = load_examples(PROJECT / "tests" / "data" / "nlu_eval.yml")
    return [t for t, intent in examples if intent not in CONVERSATION]


def category_choice(labels: list[str]) -> str:
    """The NLU's guess when it offers one to confirm, else the first category offered."""
    return YES if YES in labels else labels[0]


def detail_choice(labels: list[str]) -> str | None:
    """Skips a detail question; None once the intake asks for evidence (answer: done)."""
    return SKIP if SKIP in labels else None


@contextmanager
def nlu_server(folder: Path) -> Iterator[NluServer]:
    server = NluServer(ensure_model(), free_port(), log_file=folder / "rasa.log")
    server.start()
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_mib(pid: int) -> tuple[float, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    values = {
        line.split(":")[0]: int(line.split()[1]) for line in status.splitlines() if "kB" in line
    }
    return values["VmHWM"] / 1024, values["VmRSS"] / 1024


async def database_url(kind: str, folder: Path) -> tuple[str, str | None]:
    """A new SQLite file in `folder`, or a new PostgreSQL schema (returned to drop later)."""
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{folder / 'load.sqlite3'}", None
    schema = f"load_{secrets.token_hex(4)}"
    engine = create_engine(POSTGRES)
    async with engine.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    await engine.dispose()
    return f"{POSTGRES}?search_path={schema}", schema


async def drop_schema(schema: str) -> None:
    engine = create_engine(POSTGRES)
    async with engine.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()


async def count_tickets(url: str) -> int:
    engine = create_engine(url)
    async with engine.connect() as connection:
        count = (await connection.execute(select(func.count()).select_from(Ticket))).scalar_one()
    await engine.dispose()
    return count


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * share + 0.999999) - 1, 0)] if ordered else float("nan")


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def report(results: list[dict], json_path: Path | None, *, filed: str, expected: str) -> None:
    """Prints each result, writes them as JSON if asked, and exits 1 if a run filed fewer
    tickets than it should have."""
    width = max(len(key) for result in results for key in result) + 2
    for result in results:
        for key, value in result.items():
            print(f"{key:>{width}}: {value}")
        print()
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        value = results[0] if len(results) == 1 else results
        json_path.write_text(json.dumps(value, indent=2, ensure_ascii=False))
    if any(result[filed] != result[expected] for result in results):
        sys.exit(1)
