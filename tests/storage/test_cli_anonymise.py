"""The operator's anonymise command, run as an operator runs it."""

import subprocess
import sys
from pathlib import Path

from storage.migrate import upgrade_database_sync


def run_cli(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{database}", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_anonymise_reports_what_it_did(tmp_path: Path) -> None:
    database = tmp_path / "ops.sqlite3"
    upgrade_database_sync(f"sqlite+aiosqlite:///{database}")
    done = run_cli("anonymise", database=database)
    assert done.returncode == 0, done.stderr
    assert "Anonymised 0 ticket(s) closed more than 400 days ago" in done.stdout


def test_anonymise_refuses_less_than_a_year(tmp_path: Path) -> None:
    done = run_cli("anonymise", "--days", "30", database=tmp_path / "ops.sqlite3")
    assert done.returncode == 2
    assert "at least a year" in done.stderr
