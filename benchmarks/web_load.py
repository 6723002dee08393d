"""Web chat load: many visitors filing a complaint each over WebSocket, all at once.

The service runs as its own process without a Telegram token (`complaint-desk run
--no-nlu-server`: the web chat alone) against the real NLU server and SQLite or PostgreSQL.
Every visitor becomes a visitor (POST /api/visitor), opens the WebSocket and files one
complaint: description, category, four details skipped, evidence done, submit (8 messages).
Prints messages per second, p50/p99 from a message to the answer with the next question, the
server's memory, and tickets filed against tickets expected.

    .venv/bin/python benchmarks/web_load.py --visitors 500 --database sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

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
from storage.migrate import upgrade_database  # noqa: E402
from tests.web.page import Page, text_of  # noqa: E402

TIMEOUT = 600.0


class Visitors:
    def __init__(self, base: str) -> None:
        self.base, self.latencies, self.failures = base, [], 0

    async def step(self, page: Page, act, *, buttons: bool = True) -> dict:
        """Does `act` and waits for the answer: the next bot message with buttons (the next
        question), or with `buttons=False` the next bot message at all."""
        before = page.last_seq
        started = time.perf_counter()
        await act()
        question = await page.wait_for(
            lambda: next((m for m in page.messages if m["seq"] > before and m["from"] == "bot"
                          and (m.get("buttons") or not buttons)), None),
            TIMEOUT, "the next question",
        )  # fmt: skip
        self.latencies.append(time.perf_counter() - started)
        return question

    async def file(self, description: str) -> None:
        page = Page.open(self.base, timeout=TIMEOUT)
        try:
            await page.become_visitor("zh")
            await page.connect()
            question = await self.step(page, lambda: page.say(description))
            if NEW_COMPLAINT in labels_of(question):  # read as a question: start explicitly
                await self.step(page, lambda: page.press(NEW_COMPLAINT), buttons=False)
                question = await self.step(page, lambda: page.say(description))
            choice = category_choice(labels_of(question))
            question = await self.step(page, lambda: page.press(choice))
            for _ in range(MAX_DETAILS):
                skip = detail_choice(labels_of(question))
                if skip is None:
                    break
                question = await self.step(page, lambda s=skip: page.press(s))
            await self.step(page, lambda: page.press(DONE))
            await self.step(page, lambda: page.press("✅ 提交"))
            assert "已提交" in text_of(page.messages[-1]) or any(
                "已提交" in text_of(m) for m in page.messages[-3:]
            )
        except (AssertionError, OSError, LookupError, httpx.HTTPError) as error:
            self.failures += 1
            print(f"visitor: {type(error).__name__}: {str(error)[:300]}", file=sys.stderr)
        finally:
            await page.close()


def labels_of(question: dict) -> list[str]:
    return [b["label"] for row in question["buttons"] for b in row]


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


async def wait_for_address(log: Path, process: subprocess.Popen) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service stopped:\n{_tail(log)}")
        for line in _tail(log).splitlines():
            if line.startswith("Web chat ready: "):
                return line.split(": ", 1)[1].strip()
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the web chat did not start:\n{_tail(log)}")


async def run(args: argparse.Namespace) -> dict:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # several sockets per visitor
    folder = Path(tempfile.mkdtemp(prefix="web-load-"))
    url, schema = await database_url(args.database, folder)
    await upgrade_database(url)
    try:
        with nlu_server(folder) as nlu:
            return await run_service(args, folder, url, nlu)
    finally:
        if schema:
            await drop_schema(schema)


async def run_service(args: argparse.Namespace, folder: Path, url: str, nlu) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update(
        DATABASE_URL=url, RASA_URL=nlu.url, DATA_DIR=str(folder), LOG_LEVEL="WARNING",
        NLU_TIMEOUT_SECONDS="10", WEB_PORT=str(free_port()), PYTHONUNBUFFERED="1",
        # One address (this machine) stands for every visitor: its limits are raised.
        WEB_NEW_VISITORS_PER_HOUR="1000000", WEB_ADDRESS_EVENTS_PER_MINUTE="1000000",
    )  # fmt: skip
    log = folder / "service.log"
    with log.open("w") as output:
        service = subprocess.Popen(  # noqa: ASYNC220 - starting is instant
            [sys.executable, "-m", "bot.cli", "run", "--no-nlu-server"],
            cwd=PROJECT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        base = await wait_for_address(log, service)
        visitors = Visitors(base)
        texts = descriptions()
        started = time.perf_counter()
        service_cpu, nlu_cpu = cpu_seconds(service.pid), cpu_seconds(nlu.process.pid)
        await asyncio.gather(*(visitors.file(texts[i % len(texts)]) for i in range(args.visitors)))
        wall = time.perf_counter() - started
        service_cpu = cpu_seconds(service.pid) - service_cpu
        nlu_cpu = cpu_seconds(nlu.process.pid) - nlu_cpu
        peak, rss = peak_memory_mib(service.pid)
        service.send_signal(signal.SIGINT)
        service.wait(timeout=60)
        filed = await count_tickets(url)
    finally:
        if service.poll() is None:
            service.kill()
    latencies = sorted(visitors.latencies)
    return {
        "database": args.database,
        "visitors": args.visitors,
        "messages": len(latencies),
        "seconds": round(wall, 2),
        "messages_per_second": round(len(latencies) / wall, 1),
        "p50_ms": ms(statistics.median(latencies)) if latencies else None,
        "p99_ms": ms(percentile(latencies, 0.99)),
        "service_cpu_seconds": round(service_cpu, 1),
        "nlu_cpu_seconds": round(nlu_cpu, 1),
        "service_cpu_ms_per_message": round(service_cpu * 1000 / max(len(latencies), 1), 2),
        "service_peak_rss_mib": round(peak, 1),
        "service_rss_mib": round(rss, 1),
        "tickets_filed": filed,
        "tickets_expected": args.visitors,
        "visitors_failed": visitors.failures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=500)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    report([result], args.json, filed="tickets_filed", expected="tickets_expected")


if __name__ == "__main__":
    main()
