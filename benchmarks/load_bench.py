"""Load benchmark: many simulated buyers filing complaints at once, over HTTP.

The bot runs as its own process (`complaint-desk run --no-nlu-server`) against the fake Bot
API served over HTTP, with the real NLU server and SQLite or PostgreSQL. Every buyer files one
complaint (description, category, four details skipped, evidence done, submit: 8 updates),
all buyers at once (the intake skips the details the description already gave, so a buyer
may send fewer). Prints sustained updates per second, p50/p99 from an update's arrival to
the bot's answer, the bot's peak memory, and tickets filed against tickets expected.

The buyers press Submit together (all wait at the summary first), with an agents' group
linked (a forum, held to TELEGRAM_GROUP_MESSAGES_PER_MINUTE, 20 by default): the buyer's time
to the ticket number (p50/p99) is printed beside the group's backlog (outbox items not yet
posted) at that moment and at the end. `--no-group` leaves the group out (CPU figures).

    .venv/bin/python benchmarks/load_bench.py --buyers 200 --database sqlite
    .venv/bin/python benchmarks/load_bench.py --buyers 8 --database sqlite
    .venv/bin/python benchmarks/load_bench.py --buyers 200 --database postgres --processes 3

`--before REV` runs the same load, in the same invocation, against the bot of another
commit too (checked out in a temporary git worktree, run with this environment), alternating
`--rounds` times, and prints CPU per update of both side by side: the cost of a change
measured on the same machine under the same load (`--count-statements` adds the bot's
transactions and SQL statements per update, figures that no load changes; `--profile DIR`
samples each bot run with py-spy, summed up by benchmarks/profile_table.py). The base of the
inbox is 0d16fdd:

    .venv/bin/python benchmarks/load_bench.py --buyers 40 --no-group --before 0d16fdd --rounds 3

With `--processes N` (PostgreSQL), N bot processes run in webhook mode behind a round-robin
proxy on one webhook URL; CPU is the sum over them.

Telegram's own limit (about 30 messages a second) is switched off in the bot for the run
(TELEGRAM_MAX_MESSAGES_PER_SECOND=0), so the figures show the service's capacity.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from sqlalchemy import text  # noqa: E402

from benchmarks.harness import (  # noqa: E402
    DONE,
    MAX_DETAILS,
    NEW_COMPLAINT,
    category_choice,
    count_tickets,
    cpu_seconds,
    database_url,
    descriptions,
    detail_choice,
    drop_schema,
    ms,
    nlu_server,
    peak_memory_mib,
    percentile,
    report,
)
from bot.nlu_model import free_port  # noqa: E402
from storage.db import create_engine  # noqa: E402
from storage.migrate import upgrade_database  # noqa: E402
from tests.e2e.process import BotProcess  # noqa: E402
from tests.fakes import FakeTelegram, FakeUser, serve_fake_telegram  # noqa: E402

SUBMIT = "✅ 提交"
STATEMENT_COUNTER = PROJECT / "benchmarks" / "statement_count"


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

    async def to_summary(self, user: FakeUser, description: str):
        fake = self.fake
        question = await self.step(user, lambda: fake.send_text(user, description))
        if NEW_COMPLAINT in str(question.buttons):  # read as a question: start explicitly
            await self.step_without_buttons(
                user, lambda: fake.press_button(user, question, NEW_COMPLAINT)
            )
            question = await self.step(user, lambda: fake.send_text(user, description))
        choice = category_choice([b["text"] for b in question.buttons])
        question = await self.step(user, lambda: fake.press_button(user, question, choice))
        for _ in range(MAX_DETAILS):
            skip = detail_choice([b["text"] for b in question.buttons])
            if skip is None:
                break
            question = await self.step(
                user, lambda q=question, s=skip: fake.press_button(user, q, s)
            )
        return await self.step(user, lambda: fake.press_button(user, question, DONE))

    async def file(self, user: FakeUser, description: str) -> None:
        try:
            summary = await self.to_summary(user, description)
        except (TimeoutError, LookupError) as error:
            self.failures += 1
            print(f"buyer {user.id}: {type(error).__name__}: {error}", file=sys.stderr)
            await self.together.wait()
            return
        await self.together.wait()  # everyone presses Submit at once
        try:
            started = time.perf_counter()
            await self.step(user, lambda: self.fake.press_button(user, summary, SUBMIT))
            self.to_number.append(time.perf_counter() - started)
            self.backlog_at_number.append(await self.backlog())
        except (TimeoutError, LookupError) as error:
            self.failures += 1
            print(f"buyer {user.id}: {type(error).__name__}: {error}", file=sys.stderr)


def main_thread_cpu_seconds(pid: int) -> float:
    """CPU of the event loop's thread alone (the rest: SQLite's driver threads)."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


@contextmanager
def checkout(revision: str) -> Iterator[Path]:
    """`revision` in a temporary git worktree, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="load-bench-before-")) / "tree"
    git = ["git", "-C", str(PROJECT)]
    subprocess.run([*git, "worktree", "add", "--detach", str(folder), revision],
                   check=True, capture_output=True)  # fmt: skip
    try:
        yield folder
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(folder)], check=False)


def migrate_with(tree: Path, url: str) -> None:
    """The schema of `tree`'s own migrations (its `complaint-desk migrate`)."""
    env = {**os.environ, "DATABASE_URL": url, "DATA_DIR": tempfile.mkdtemp()}
    subprocess.run([sys.executable, "-m", "bot.cli", "migrate"], cwd=tree, env=env,
                   check=True, capture_output=True)  # fmt: skip


async def start_bots(args, fake, api_url, env, folder, tree) -> tuple[list[BotProcess], object]:
    """One polling bot, or N in webhook mode behind a round-robin proxy."""
    if args.processes == 1:
        bot = BotProcess(fake, api_url, env, folder / "bot.log", project=tree)
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
        bot = BotProcess(fake, api_url, {**env, **webhook}, folder / f"bot{i}.log", project=tree)
        await bot.start(ready_method="setWebhook")
        bots.append(bot)
    return bots, proxy


async def run(args: argparse.Namespace, rasa_url: str, tree: Path, label: str) -> dict:
    """One load against the bot of `tree` (this checkout, or a `--before` worktree)."""
    folder = Path(tempfile.mkdtemp(prefix="load-bench-"))
    url, schema = await database_url(args.database, folder)
    if tree == PROJECT:
        await upgrade_database(url)
    else:
        migrate_with(tree, url)
    fake = FakeTelegram()
    proxy, bots = None, []
    try:
        async with serve_fake_telegram(fake, webhook_retry_delay=0.2) as api_url:
            env = {
                "DATABASE_URL": url, "RASA_URL": rasa_url, "DATA_DIR": str(folder),
                "TELEGRAM_MAX_MESSAGES_PER_SECOND": "0", "LOG_LEVEL": "WARNING",
                "NLU_TIMEOUT_SECONDS": "10",
            }  # fmt: skip
            counts = folder / "statements.txt"
            if args.count_statements:
                env["PYTHONPATH"] = str(STATEMENT_COUNTER)
                env["STATEMENT_COUNT_FILE"] = str(counts)
            if not args.no_group:
                group = fake.add_group("客服中心", is_forum=True)
                env["SUPPORT_CHAT_ID"] = str(group.id)
            bots, proxy = await start_bots(args, fake, api_url, env, folder, tree)
            buyers = Buyers(fake, args.buyers)
            buyers.backlog = lambda: group_backlog(url)
            users = [
                fake.add_user(f"买家{i}", language_code="zh-hans", started=True)
                for i in range(args.buyers)
            ]
            texts = descriptions()
            pids = [bot.process.pid for bot in bots]
            profilers = [sampled(pid, args.profile, label) for pid in pids] if args.profile else []
            started = time.perf_counter()
            bot_cpu = sum(map(cpu_seconds, pids))
            main_cpu = sum(map(main_thread_cpu_seconds, pids))
            await asyncio.gather(
                *(buyers.file(u, texts[i % len(texts)]) for i, u in enumerate(users))
            )
            wall = time.perf_counter() - started
            bot_cpu = sum(map(cpu_seconds, pids)) - bot_cpu
            main_cpu = sum(map(main_thread_cpu_seconds, pids)) - main_cpu
            for profiler in profilers:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(timeout=30)
            peak, rss = peak_memory_mib(pids[0])
            backlog_at_end = await group_backlog(url)
            for bot in bots:
                await bot.stop()
        filed = await count_tickets(url)
    finally:
        for bot in bots:  # interrupted: no bot outlives the benchmark
            bot.kill()
        if proxy is not None:
            await proxy.__aexit__(None, None, None)
        if schema:
            await drop_schema(schema)
    latencies = sorted(buyers.latencies)
    updates = max(len(latencies), 1)
    statements = statement_counts(counts, updates) if args.count_statements else {}
    return {
        "bot": label,
        "database": args.database,
        "processes": args.processes,
        "group": not args.no_group,
        "buyers": args.buyers,
        "updates": len(latencies),
        "seconds": round(wall, 2),
        "updates_per_second": round(len(latencies) / wall, 1),
        "p50_ms": ms(statistics.median(latencies)) if latencies else None,
        "p99_ms": ms(percentile(latencies, 0.99)),
        "ticket_number_p50_ms": ms(percentile(buyers.to_number, 0.5)),
        "ticket_number_p99_ms": ms(percentile(buyers.to_number, 0.99)),
        "group_backlog_at_number_max": max(buyers.backlog_at_number, default=-1),
        "group_backlog_at_end": backlog_at_end,
        "bot_cpu_seconds": round(bot_cpu, 1),
        "bot_cpu_ms_per_update": round(bot_cpu * 1000 / updates, 2),
        "bot_event_loop_cpu_ms_per_update": round(main_cpu * 1000 / updates, 2),
        "bot_peak_rss_mib": round(peak, 1),
        "bot_rss_mib": round(rss, 1),
        "tickets_filed": filed,
        "tickets_expected": args.buyers,
        "buyers_failed": buyers.failures,
        **statements,
    }


def sampled(pid: int, folder: Path, label: str) -> subprocess.Popen:
    """py-spy sampling the bot while the load runs (`pip install py-spy`), its stacks written
    as collapsed lines (`stack count`) for benchmarks/profile_table.py. Only the thread that
    holds the GIL is sampled: py-spy takes a thread waiting in C (aiosqlite's, for its next
    statement) for a busy one, and SQLite's own work runs outside the GIL."""
    folder.mkdir(parents=True, exist_ok=True)
    slug = "".join(c if c.isalnum() else "-" for c in label).strip("-")
    out = folder / f"{slug}-{pid}.txt"
    spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen(  # noqa: ASYNC220 - starting is instant
        [str(spy), "record", "--pid", str(pid), "--format", "raw", "--rate", "250",
         "--nonblocking", "--gil", "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def statement_counts(counts: Path, updates: int) -> dict:
    """Transactions and statements per update over the bot's whole run (start included),
    and the inbox's share of the statements."""
    rows = [line.split("\t", 1) for line in counts.read_text().splitlines()]
    total = {statement: int(n) for n, statement in rows}
    transactions = total.pop("<transaction>", 0)
    inbox = sum(n for statement, n in total.items() if "inbox_updates" in statement)
    return {
        "transactions_per_update": round(transactions / updates, 2),
        "statements_per_update": round(sum(total.values()) / updates, 2),
        "inbox_statements_per_update": round(inbox / updates, 2),
    }


async def run_all(args: argparse.Namespace) -> list[dict]:
    """This checkout alone, or alternating with `--before` so both see the same load."""
    with nlu_server(Path(tempfile.mkdtemp(prefix="load-bench-nlu-"))) as nlu:
        if not args.before:
            return [await run(args, nlu.url, PROJECT, "this checkout")]
        results = []
        with checkout(args.before) as before:
            for _ in range(args.rounds):
                results.append(await run(args, nlu.url, before, f"before ({args.before})"))
                results.append(await run(args, nlu.url, PROJECT, "this checkout"))
        return results


def comparison(results: list[dict]) -> dict:
    """Median CPU per update of each bot over the rounds, and how much dearer this one is."""
    by_bot: dict[str, list[float]] = {}
    for result in results:
        by_bot.setdefault(result["bot"], []).append(result["bot_cpu_ms_per_update"])
    (before, b), (after, a) = by_bot.items()
    b_median, a_median = statistics.median(b), statistics.median(a)
    return {
        "bot": "comparison (median over rounds)",
        f"cpu_ms_per_update {before}": f"{b_median:.2f} (rounds: {b})",
        f"cpu_ms_per_update {after}": f"{a_median:.2f} (rounds: {a})",
        "dearer_by_percent": round((a_median / b_median - 1) * 100, 1),
        "tickets_filed": 0,
        "tickets_expected": 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--processes", type=int, default=1, help="bot processes (PostgreSQL)")
    parser.add_argument("--no-group", action="store_true", help="no agents' group linked")
    parser.add_argument("--before", metavar="REV", help="also run the bot of this commit")
    parser.add_argument("--rounds", type=int, default=1, help="with --before: alternations")
    parser.add_argument(
        "--count-statements", action="store_true",
        help="count the bot's transactions and SQL statements per update",
    )  # fmt: skip
    parser.add_argument(
        "--profile", type=Path, metavar="DIR",
        help="sample each bot run with py-spy into DIR (benchmarks/profile_table.py reads it)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.processes > 1 and args.database != "postgres":
        parser.error("--processes needs --database postgres (SQLite is one process)")
    results = asyncio.run(run_all(args))
    if args.before:
        results.append(comparison(results))
    report(results, args.json, filed="tickets_filed", expected="tickets_expected")


if __name__ == "__main__":
    main()
