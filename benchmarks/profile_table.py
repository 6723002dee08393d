"""Where a bot's CPU goes, from py-spy's collapsed stacks (`load_bench.py --profile DIR`).

Prints the share of the samples by the library the innermost frame is in, and by the
innermost function of this project on the stack (what the project asked for it):

    .venv/bin/python benchmarks/profile_table.py /tmp/profile/this-checkout-1234.txt
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^:()]*)(?::\d+)?\)$")
OWN = ("bot/", "storage/")
LIBRARIES = {
    "sqlalchemy": "SQLAlchemy", "aiosqlite": "aiosqlite (its thread)", "sqlite3": "sqlite3",
    "asyncpg": "asyncpg", "httpx": "httpx", "httpcore": "httpcore (connection pool)",
    "anyio": "anyio", "h11": "h11", "telegram": "python-telegram-bot", "asyncio": "asyncio",
    "greenlet": "greenlet", "json": "json", "tenacity": "tenacity", "selectors": "asyncio",
    "threading": "threads", "queue": "threads", "concurrent": "threads",
}  # fmt: skip


def _waits() -> set[tuple[str, str, int]]:
    """Frames that are a thread waiting, not working (py-spy counts them as active): the
    event loop in epoll, aiosqlite's thread waiting for its next statement."""
    waits = set()
    try:
        import aiosqlite.core

        source = Path(aiosqlite.core.__file__).read_text().splitlines()
        waits |= {("_connection_worker_thread", "aiosqlite/core.py", i + 1)
                  for i, line in enumerate(source) if "tx.get(" in line}  # fmt: skip
    except ImportError:
        pass
    return waits


WAITS = _waits()
WAITING_FUNCTIONS = {("EpollSelector.select", "selectors.py"), ("Condition.wait", "threading.py")}


def waiting(stack: str) -> bool:
    leaf = stack.rsplit(";", 1)[-1]
    match = re.match(r"^(?P<function>.*) \((?P<file>[^:()]*):(?P<line>\d+)\)$", leaf)
    if not match:
        return False
    function, file = match["function"], match["file"]
    return (function, file) in WAITING_FUNCTIONS or (function, file, int(match["line"])) in WAITS


def frames(stack: str) -> list[tuple[str, str]]:
    found = []
    for frame in stack.split(";"):
        match = FRAME.match(frame)
        if match:
            found.append((match["function"], match["file"]))
    return found


def library(file: str) -> str:
    if file.startswith(OWN):
        return "the project's own code"
    top = file.split("/", 1)[0].removesuffix(".py")
    return LIBRARIES.get(top, "other")


def tables(lines: list[str]) -> tuple[int, Counter, Counter]:
    by_library: Counter = Counter()
    by_owner: Counter = Counter()
    total = 0
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        if waiting(stack):
            continue
        n, stack_frames = int(count), frames(stack)
        total += n
        if not stack_frames:
            continue
        by_library[library(stack_frames[-1][1])] += n
        own = [f"{function} ({file})" for function, file in stack_frames if file.startswith(OWN)]
        by_owner[own[-1] if own else "(no frame of the project: library threads, loop)"] += n
    return total, by_library, by_owner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    for path in args.files:
        total, by_library, by_owner = tables(path.read_text().splitlines())
        print(f"{path.name}: {total} samples of work (waiting left out)")
        for title, counter in (("innermost library", by_library), ("project caller", by_owner)):
            print(f"  by {title}:")
            for name, n in counter.most_common(args.top):
                print(f"    {n * 100 / max(total, 1):5.1f} %  {name}")


if __name__ == "__main__":
    main()
