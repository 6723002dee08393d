"""Loaded by the bot process of a load benchmark run with `--count-statements` (this folder
is put on its PYTHONPATH): counts the transactions and SQL statements the bot sends to the
database, and writes them to STATEMENT_COUNT_FILE when the process exits. Counts do not
change with the machine's load, unlike CPU time."""

import atexit
import collections
import os
import re

_counts: collections.Counter = collections.Counter()


def _install() -> None:
    try:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine
    except ImportError:
        return

    @event.listens_for(Engine, "begin")
    def _begin(_connection) -> None:
        _counts["<transaction>"] += 1

    @event.listens_for(Engine, "before_cursor_execute")
    def _statement(_connection, _cursor, statement, *_args) -> None:
        if not statement.startswith(("BEGIN", "PRAGMA")):
            _counts[re.sub(r"\s+", " ", statement)[:100]] += 1


def _write() -> None:
    path = os.environ.get("STATEMENT_COUNT_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            for statement, count in _counts.most_common():
                out.write(f"{count}\t{statement}\n")


_install()
atexit.register(_write)
