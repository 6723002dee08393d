"""Load benchmark: many simulated buyers filing complaints at once, over HTTP.

The bot runs as its own process (`complaint-desk run --no-nlu-server`) against the fake Bot
API served over HTTP, with the real NLU server and SQLite or PostgreSQL. Every buyer files one
complaint (description, category, four details skipped, evidence done, submit: 8 updates),
all buyers at once. Prints sustained updates per second, p50/p99 from an update's arrival to
the bot's answer, the bot's peak memory, and tickets filed against tickets expected.

    .venv/bin/python benchmarks/load_bench.py --buyers 200 --database sqlite
    .venv/bin/python benchmarks/load_bench.py --buyers 200 --database postgres

Telegram's own limit (about 30 messages a second) is switched off in the bot for the run
(TELEGRAM_MAX_MESSAGES_PER_SECOND=0), so the figures show the service's capacity.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from sqlalchemy import func, select, text  # noqa: E402

from bot.nlu_model import NluServer, ensure_model, free_port  # noqa: E402
from storage.db import create_engine  # noqa: E402
from storage.migrate import upgrade_database  # noqa: E402
from storage.models import Ticket  # noqa: E402
from tests.e2e.process import BotProcess  # noqa: E402
from tests.fakes import FakeTelegram, FakeUser, serve_fake_telegram  # noqa: E402
from tests.nlu.scoring import load_examples  # noqa: E402

POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
CONVERSATION = {"greet", "goodbye", "thank", "help", "check_status", "escalate", "cancel",
                "affirm", "deny", "faq"}  # fmt: skip


def descriptions() -> list[str]:
    examples = load_examples(PROJECT / "tests" / "data" / "nlu_eval.yml")
    return [t for t, intent in examples if intent not in CONVERSATION]


class Buyers:
    def __init__(self, fake: FakeTelegram) -> None:
        self.fake, self.latencies, self.failures = fake, [], 0

    async def step(self, user: FakeUser, act) -> dict:
        before = len(self.fake.sent_to(user))
        started = time.perf_counter()
        act()
        # The question is the message with buttons; a notice may come before it.
        question = await self.fake.wait_for(
            lambda: next((m for m in self.fake.sent_to(user)[before:] if m.buttons), None),
            timeout=300,
            what=f"a question to {user.id}",
        )
        self.latencies.append(time.perf_counter() - started)
        return question

    async def step_without_buttons(self, user: FakeUser, act) -> None:
        before = len(self.fake.sent_to(user))
        started = time.perf_counter()
        act()
        await self.fake.wait_for_sent(user, before + 1, timeout=300)
        self.latencies.append(time.perf_counter() - started)

    async def file(self, user: FakeUser, description: str) -> None:
        fake = self.fake
        try:
            question = await self.step(user, lambda: fake.send_text(user, description))
            if "📝 新投诉" in str(question.buttons):  # read as a question: start explicitly
                await self.step_without_buttons(
                    user, lambda: fake.press_button(user, question, "📝 新投诉")
                )
                question = await self.step(user, lambda: fake.send_text(user, description))
            labels = [b["text"] for b in question.buttons]
            choice = "✅ 对" if "✅ 对" in labels else labels[0]
            question = await self.step(user, lambda: fake.press_button(user, question, choice))
            for _ in range(4):
                question = await self.step(
                    user, lambda q=question: fake.press_button(user, q, "跳过")
                )
            question = await self.step(user, lambda: fake.press_button(user, question, "✅ 完成"))
            await self.step(user, lambda: fake.press_button(user, question, "✅ 提交"))
        except (TimeoutError, LookupError) as error:
            self.failures += 1
            print(f"buyer {user.id}: {type(error).__name__}: {error}", file=sys.stderr)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_mib(pid: int) -> tuple[float, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    values = {
        line.split(":")[0]: int(line.split()[1]) for line in status.splitlines() if "kB" in line
    }
    return values["VmHWM"] / 1024, values["VmRSS"] / 1024


async def database_url(kind: str, folder: Path) -> tuple[str, str | None]:
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


async def run(args: argparse.Namespace) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="load-bench-"))
    url, schema = await database_url(args.database, folder)
    await upgrade_database(url)
    nlu = NluServer(ensure_model(), free_port(), log_file=folder / "rasa.log")
    nlu.start()
    nlu.wait_ready()
    fake = FakeTelegram()
    try:
        async with serve_fake_telegram(fake) as api_url:
            env = {
                "DATABASE_URL": url, "RASA_URL": nlu.url, "DATA_DIR": str(folder),
                "TELEGRAM_MAX_MESSAGES_PER_SECOND": "0", "LOG_LEVEL": "WARNING",
                "NLU_TIMEOUT_SECONDS": "10",
            }  # fmt: skip
            bot = BotProcess(fake, api_url, env, folder / "bot.log")
            await bot.start()
            buyers = Buyers(fake)
            users = [
                fake.add_user(f"买家{i}", language_code="zh-hans", started=True)
                for i in range(args.buyers)
            ]
            texts = descriptions()
            started = time.perf_counter()
            bot_cpu, nlu_cpu = cpu_seconds(bot.process.pid), cpu_seconds(nlu.process.pid)
            await asyncio.gather(
                *(buyers.file(u, texts[i % len(texts)]) for i, u in enumerate(users))
            )
            wall = time.perf_counter() - started
            bot_cpu = cpu_seconds(bot.process.pid) - bot_cpu
            nlu_cpu = cpu_seconds(nlu.process.pid) - nlu_cpu
            peak, rss = peak_memory_mib(bot.process.pid)
            await bot.stop()
        filed = await count_tickets(url)
    finally:
        nlu.stop()
        if schema:
            await drop_schema(schema)
    latencies = sorted(buyers.latencies)
    return {
        "database": args.database,
        "buyers": args.buyers,
        "updates": len(latencies),
        "seconds": round(wall, 2),
        "updates_per_second": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "bot_cpu_seconds": round(bot_cpu, 1),
        "nlu_cpu_seconds": round(nlu_cpu, 1),
        "bot_cpu_ms_per_update": round(bot_cpu * 1000 / max(len(latencies), 1), 2),
        "bot_peak_rss_mib": round(peak, 1),
        "bot_rss_mib": round(rss, 1),
        "tickets_filed": filed,
        "tickets_expected": args.buyers,
        "buyers_failed": buyers.failures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    for key, value in result.items():
        print(f"{key:>20}: {value}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    if result["tickets_filed"] != result["tickets_expected"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
