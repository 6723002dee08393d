"""Times ticket lookups by number and per person on SQLite and PostgreSQL with bulk-loaded data.

    .venv/bin/python benchmarks/storage_bench.py                 # both databases, 100,000 tickets
    .venv/bin/python benchmarks/storage_bench.py --backend sqlite --tickets 10000

SQLite lives in a temporary folder; PostgreSQL (BENCH_POSTGRES_URL, else TEST_POSTGRES_URL, else
the local `test` database) in a schema of its own that is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from bot.services.tickets import TicketService
from storage.db import READ_ONLY, create_engine, create_session_factory
from storage.lifecycle import TicketStatus
from storage.migrate import upgrade_database
from storage.models import Person, Ticket
from storage.numbering import format_number

POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL",
    os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"),
)
CATEGORIES = ("product_quality", "not_as_described", "counterfeit", "delivery", "refund_return")
PLATFORMS = ("taobao", "tmall", "jd", "pinduoduo", "douyin", "xiaohongshu")
STATUSES = tuple(TicketStatus)
BATCH = 5_000
START = datetime(2025, 10, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Timing:
    """Latency percentiles of one kind of lookup, in milliseconds."""

    name: str
    count: int
    p50_ms: float
    p99_ms: float
    mean_ms: float


@asynccontextmanager
async def database(backend: str) -> AsyncIterator[str]:
    """An empty database URL of the backend, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    schema = f"bench_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}search_path={schema}"
    finally:
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


def people_rows(count: int) -> list[dict[str, Any]]:
    """Buyers with Telegram-like ids."""
    return [
        {
            "id": 100_000 + index,
            "display_name": f"buyer {index}",
            "language": "zh",
            "is_blocked": False,
            "created_at": START,
            "updated_at": START,
        }
        for index in range(count)
    ]


def ticket_rows(count: int, people: int, rng: random.Random) -> list[dict[str, Any]]:
    """Tickets spread over about 400 days, numbered per day like the service numbers them."""
    per_day = max(1, count // 400)
    rows = []
    for index in range(count):
        day, sequence = divmod(index, per_day)
        filed = START + timedelta(days=day, seconds=sequence * 30)
        rows.append(
            {
                "number": format_number(filed.date(), sequence + 1),
                "owner_id": 100_000 + rng.randrange(people),
                "category": rng.choice(CATEGORIES),
                "category_confidence": round(rng.random(), 3),
                "platform": rng.choice(PLATFORMS),
                "order_number": str(rng.randrange(10**18, 10**19)),
                "description": "商品有问题，申请退款" * 3,
                "status": rng.choice(STATUSES),
                "filed_at": filed,
                "updated_at": filed,
                "accept_due_at": filed + timedelta(hours=24),
                "investigate_due_at": filed + timedelta(hours=48),
                "resolve_due_at": filed + timedelta(hours=72),
            }
        )
    return rows


async def load(url: str, people: list[dict[str, Any]], tickets: list[dict[str, Any]]) -> float:
    """Bulk-inserts the rows in batches (executemany) and returns the seconds it took."""
    engine = create_engine(url)
    started = time.perf_counter()
    async with engine.begin() as connection:
        for table, rows in ((Person.__table__, people), (Ticket.__table__, tickets)):
            for offset in range(0, len(rows), BATCH):
                await connection.execute(insert(table), rows[offset : offset + BATCH])
    elapsed = time.perf_counter() - started
    async with engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()
    await engine.dispose()
    return elapsed


async def measure(
    name: str, lookup: Callable[[Any], Awaitable[Any]], arguments: list[Any]
) -> Timing:
    """Runs the lookups one after another (after a short warm-up) and summarises their latency."""
    for argument in arguments[:50]:
        await lookup(argument)
    samples = []
    for argument in arguments:
        started = time.perf_counter()
        await lookup(argument)
        samples.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(samples, n=100)
    return Timing(name, len(samples), cuts[49], cuts[98], statistics.fmean(samples))


async def bench(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """Loads one database and times the lookups on it."""
    rng = random.Random(args.seed)
    people, tickets = people_rows(args.people), ticket_rows(args.tickets, args.people, rng)
    numbers = [rng.choice(tickets)["number"] for _ in range(args.lookups)]
    owners = [rng.choice(people)["id"] for _ in range(args.lookups)]
    async with database(backend) as url:
        await upgrade_database(url)
        load_seconds = await load(url, people, tickets)
        engine = create_engine(url)
        service = TicketService(create_session_factory(engine))
        async with engine.connect() as connection:
            await connection.execution_options(**{READ_ONLY: True})

            async def status_query(number: str) -> Any:
                query = select(Ticket.status).where(Ticket.number == number)
                return (await connection.execute(query)).scalar_one()

            async def owner_query(owner: int) -> Any:
                query = select(Ticket.number, Ticket.status).where(Ticket.owner_id == owner)
                return (await connection.execute(query.order_by(Ticket.filed_at.desc()))).all()

            timings = [
                await measure("status by number (query)", status_query, numbers),
                await measure("tickets of a person (query)", owner_query, owners),
            ]
        timings += [
            await measure("status by number (TicketService.get)", service.get, numbers),
            await measure("tickets of a person (list_for_owner)", service.list_for_owner, owners),
        ]
        await engine.dispose()
    return {
        "backend": backend,
        "tickets": args.tickets,
        "people": args.people,
        "bulk_insert_seconds": round(load_seconds, 2),
        "timings": [asdict(timing) for timing in timings],
    }


def report(result: dict[str, Any]) -> None:
    """Prints one backend's figures."""
    print(
        f"\n{result['backend']}: {result['tickets']:,} tickets, {result['people']:,} people, "
        f"bulk insert {result['bulk_insert_seconds']} s"
    )
    print(f"  {'lookup':48} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for timing in result["timings"]:
        print(
            f"  {timing['name']:48} {timing['count']:>6} {timing['p50_ms']:>8.3f} "
            f"{timing['p99_ms']:>8.3f} {timing['mean_ms']:>8.3f}"
        )


def main() -> None:
    """Parses the options and runs the benchmark on each chosen database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--lookups", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results = [asyncio.run(bench(backend, args)) for backend in backends]
    for result in results:
        report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
