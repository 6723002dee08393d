"""The run command without a bot token: the web chat alone, with its address printed; with
the web chat switched off as well, it explains how to get a token and exits 2."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

PROJECT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update(PYTHONPATH=str(PROJECT), PYTHONUNBUFFERED="1", **extra)
    return env


@pytest.mark.parametrize("command", [["run"], ["run", "--no-nlu-server"], ["check-config"]])
def test_without_a_token_or_web_chat_it_explains_and_exits_2(tmp_path: Path, command) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *command],
        cwd=tmp_path,  # no .env here
        env=_env(WEB_ENABLED="false"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "@BotFather" in done.stderr and "TELEGRAM_BOT_TOKEN" in done.stderr
    assert not (tmp_path / "data").exists()  # it stopped before touching anything


def test_check_config_without_a_token_says_the_web_chat_runs_alone(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check-config"],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0
    assert "web chat alone" in done.stderr and "@BotFather" in done.stderr


def test_without_a_token_run_serves_the_web_chat_and_prints_its_address(tmp_path: Path) -> None:
    log = (tmp_path / "out.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--no-nlu-server"],
        cwd=tmp_path, env=_env(WEB_PORT="0", RASA_URL="http://127.0.0.1:9"),
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        address = None
        deadline = time.monotonic() + 60
        while address is None and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
            found = re.search(r"Web chat ready: (http://\S+)", (tmp_path / "out.log").read_text())
            address = found.group(1) if found else None
        assert address, (tmp_path / "out.log").read_text()
        page = httpx.get(address + "/", timeout=10)
        assert page.status_code == 200 and "chat.js" in page.text
        visitor = httpx.post(address + "/api/visitor", json={"lang": "en"},
                             headers={"Origin": address}, timeout=10)  # fmt: skip
        assert visitor.status_code == 200 and "#resume=" in visitor.json()["resume_url"]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
    assert (tmp_path / "data" / "complaints.sqlite3").exists()  # migrated and used
