"""The bot as its own process, started the way the README runs it, talking HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.fakes import FakeTelegram

PROJECT = Path(__file__).resolve().parents[2]


@dataclass
class BotProcess:
    """`complaint-desk run` in a subprocess; its log goes to a file the test can read."""

    fake: FakeTelegram
    api_url: str
    env: dict[str, str]
    log_file: Path
    manage_nlu: bool = False
    project: Path = PROJECT  # another checkout (a benchmark's "before") runs its own code
    process: subprocess.Popen | None = None
    starts: int = field(default=0)

    async def start(self, ready_method: str = "getUpdates", timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Starts the bot and waits until it polls (or has set its webhook)."""
        mark = len(self.fake.calls)
        env = {**os.environ, **self.env, "TELEGRAM_API_URL": self.api_url}
        env["TELEGRAM_BOT_TOKEN"] = self.fake.token
        env.setdefault("WEB_PORT", "0")  # the web chat runs too, on a free port
        command = [sys.executable, "-m", "bot.cli", "run"]
        if not self.manage_nlu:
            command.append("--no-nlu-server")
        output = self.log_file.open("ab")
        self.process = subprocess.Popen(  # noqa: ASYNC220 - starting is instant
            command, cwd=self.project, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        self.starts += 1
        try:
            await self.fake.wait_for_call(ready_method, since=mark, timeout=timeout)
        except TimeoutError as error:
            raise AssertionError(f"the bot did not start; its log:\n{self.log()}") from error

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no goodbye."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    async def stop(self) -> int | None:
        """Ctrl-C, as a person stops it; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGINT)
        for _ in range(200):
            if self.process.poll() is not None:
                return self.process.returncode
            await asyncio.sleep(0.1)
        self.kill()
        return self.process.returncode

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")[-6000:]
