"""Load benchmark: many simulated buyers filing complaints at once, over HTTP.

The bot runs as its own process (`complaint-desk run --no-nlu-server`) against the fake Bot
API served over HTTP, with the real NLU server and SQLite or PostgreSQL. Every buyer files one
complaint (description, category, four details skipped, evidence done, submit: 8 updates),
all buyers at once. Prints sustained updates per second, p50/p99 from an update's arrival to
the bot's answer, the bot's peak memory, and tickets filed against tickets expected.

The buyers press Submit together (all wait at the summary first), with an agents' group
linked (a forum, held to TELEGRAM_GROUP_MESSAGES_PER_MINUTE, 20 by default): the buyer's time
to the ticket number (p50/p99) is printed beside the group's backlog (outbox items not yet
posted) at that moment and at the end. `--no-group` leaves the group out (CPU figures).

    .venv/bin/python benchmarks/load_bench.py --buyers 200 --database sqlite
    .venv/bin/python benchmarks/load_bench.py --buyers 8 --database sqlite
    .venv/bin/python benchmarks/load_bench.py --buyers 200 --database postgres --processes 3

With `--processes N` (PostgreSQL), N bot processes run in webhook mode behind a round-robin
proxy on one webhook URL; CPU is the sum over them.

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
    def __init__(self, fake: FakeTelegram, count: int) -> None:
        self.fake, self.latencies, self.failures = fake, [], 0
        self.to_number: list[float] = []  # press Submit -> the ticket number arrives
        self.backlog_at_number: list[int] = []
        self.backlog = lambda: -1  # set by run(): outbox items not yet posted
        self.together = asyncio.Barrier(count)

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
            for _ in range(4):  # the questions left (some may be answered by the description)
                if "跳过" not in [b["text"] for b in question.buttons]:
                    break
                question = await self.step(
                    user, lambda q=question: fake.press_button(user, q, "跳过")
                )
            question = await self.step(user, lambda: fake.press_button(user, question, "✅ 完成"))
        except (TimeoutError, LookupError) as error:
            self.failures += 1
            print(f"buyer {user.id}: {type(error).__name__}: {error}", file=sys.stderr)
            await self.together.wait()
            return
        await self.together.wait()  # everyone presses Submit at once
        try:
            started = time.perf_counter()
            await self.step(user, lambda: fake.press_button(user, question, "✅ 提交"))
            self.to_number.append(time.perf_counter() - started)
            self.backlog_at_number.append(await self.backlog())
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


async def group_backlog(url: str) -> int:
    """Outbox items for the group not posted yet; -1 where there is no outbox (before it)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            query = text("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND lane = 'group'")
            return int((await connection.execute(query)).scalar_one())
    except Exception:  # noqa: BLE001 - the code before the outbox has no such table
        return -1
    finally:
        await engine.dispose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * share + 0.999999) - 1, 0)] if ordered else float("nan")


async def start_bots(args, fake, api_url, env, folder) -> tuple[list[BotProcess], object]:
    """One polling bot, or N in webhook mode behind a round-robin proxy."""
    if args.processes == 1:
        bot = BotProcess(fake, api_url, env, folder / "bot.log")
        await bot.start()
        return [bot], None
    from tests.e2e.proxy import RoundRobin

    ports = [free_port() for _ in range(args.processes)]
    proxy = RoundRobin(ports)
    await proxy.__aenter__()
    bots = []
    for i, port in enumerate(ports):
        webhook = {
            "WEBHOOK_URL": f"http://127.0.0.1:{proxy.port}/telegram", "WEBHOOK_PORT": str(port),
            "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_SECRET": "bench-secret",
        }  # fmt: skip
        bot = BotProcess(fake, api_url, {**env, **webhook}, folder / f"bot{i}.log")
        await bot.start(ready_method="setWebhook")
        bots.append(bot)
    return bots, proxy


async def run(args: argparse.Namespace) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="load-bench-"))
    url, schema = await database_url(args.database, folder)
    await upgrade_database(url)
    nlu = NluServer(ensure_model(), free_port(), log_file=folder / "rasa.log")
    nlu.start()
    nlu.wait_ready()
    fake = FakeTelegram()
    proxy = None
    try:
        async with serve_fake_telegram(fake, webhook_retry_delay=0.2) as api_url:
            env = {
                "DATABASE_URL": url, "RASA_URL": nlu.url, "DATA_DIR": str(folder),
                "TELEGRAM_MAX_MESSAGES_PER_SECOND": "0", "LOG_LEVEL": "WARNING",
                "NLU_TIMEOUT_SECONDS": "10",
            }  # fmt: skip
            if not args.no_group:
                group = fake.add_group("客服中心", is_forum=True)
                env["SUPPORT_CHAT_ID"] = str(group.id)
            bots, proxy = await start_bots(args, fake, api_url, env, folder)
            buyers = Buyers(fake, args.buyers)
            buyers.backlog = lambda: group_backlog(url)
            users = [
                fake.add_user(f"买家{i}", language_code="zh-hans", started=True)
                for i in range(args.buyers)
            ]
            texts = descriptions()
            started = time.perf_counter()
            pids = [bot.process.pid for bot in bots]
            bot_cpu, nlu_cpu = sum(map(cpu_seconds, pids)), cpu_seconds(nlu.process.pid)
            await asyncio.gather(
                *(buyers.file(u, texts[i % len(texts)]) for i, u in enumerate(users))
            )
            wall = time.perf_counter() - started
            bot_cpu = sum(map(cpu_seconds, pids)) - bot_cpu
            nlu_cpu = cpu_seconds(nlu.process.pid) - nlu_cpu
            peak, rss = peak_memory_mib(pids[0])
            backlog_at_end = await group_backlog(url)
            for bot in bots:
                await bot.stop()
        filed = await count_tickets(url)
    finally:
        if proxy is not None:
            await proxy.__aexit__(None, None, None)
        nlu.stop()
        if schema:
            await drop_schema(schema)
    latencies = sorted(buyers.latencies)
    return {
        "database": args.database,
        "processes": args.processes,
        "group": not args.no_group,
        "buyers": args.buyers,
        "updates": len(latencies),
        "seconds": round(wall, 2),
        "updates_per_second": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "ticket_number_p50_ms": round(percentile(buyers.to_number, 0.5) * 1000, 1),
        "ticket_number_p99_ms": round(percentile(buyers.to_number, 0.99) * 1000, 1),
        "group_backlog_at_number_max": max(buyers.backlog_at_number, default=-1),
        "group_backlog_at_end": backlog_at_end,
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
    parser.add_argument("--processes", type=int, default=1, help="bot processes (PostgreSQL)")
    parser.add_argument("--no-group", action="store_true", help="no agents' group linked")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.processes > 1 and args.database != "postgres":
        parser.error("--processes needs --database postgres (SQLite is one process)")
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
