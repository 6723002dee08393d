"""The NLU server lives exactly as long as the bot that started it, and a port someone else
already holds is reported, never used."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.nlu_model import free_port
from tests.bot.test_die_with_parent import is_gone
from tests.e2e.process import PROJECT, BotProcess
from tests.fakes.rasa import FakeRasa, serve_fake_rasa

NLU_START = 300.0  # the server loads a 1.4 GiB model; on a busy machine that takes a while


def is_listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def nlu_children(pid: int) -> list[int]:
    """The Rasa processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and "rasa" in command:
            found.append(int(entry.name))
    return found


async def gone_within(pid: int, port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if is_gone(pid) and not is_listening(port):
            return True
        await asyncio.sleep(0.1)
    return False


@pytest.mark.nlu
async def test_a_killed_bot_takes_its_nlu_server_with_it(bot_process: BotProcess) -> None:
    port = free_port()
    bot_process.env["RASA_URL"] = f"http://127.0.0.1:{port}"
    bot_process.manage_nlu = True
    await bot_process.start(timeout=NLU_START)
    [rasa] = nlu_children(bot_process.process.pid)
    assert is_listening(port)
    bot_process.kill()
    assert await gone_within(rasa, port, 5.0), "the NLU server outlived the killed bot"
    await bot_process.start(timeout=NLU_START)  # the restarted bot serves with its own
    [again] = nlu_children(bot_process.process.pid)
    assert again != rasa and "address already in use" not in bot_process.log()
    assert await bot_process.stop() == 0
    assert await gone_within(again, port, 5.0), "the NLU server outlived a clean stop"


async def test_a_port_held_by_another_process_is_reported_not_used(
    telegram, database: str, tmp_path: Path
) -> None:
    fake, api_url = telegram
    port = free_port()
    env = {
        **os.environ, "DATABASE_URL": database, "DATA_DIR": str(tmp_path / "data"),
        "TELEGRAM_API_URL": api_url, "TELEGRAM_BOT_TOKEN": fake.token,
        "RASA_URL": f"http://127.0.0.1:{port}",
    }  # fmt: skip
    async with serve_fake_rasa(FakeRasa(), port=port):  # answers /status like a Rasa server
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "bot.cli", "run"], cwd=PROJECT, env=env,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert f"ss -ltnp 'sport = :{port}'" in done.stderr
    assert fake.calls_of("getUpdates") == []  # the bot never ran on someone else's server
