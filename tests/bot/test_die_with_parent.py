"""A child started through `bot.die_with_parent` ends when its parent is SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.die_with_parent import PARENT_GONE, wrap

PROJECT = Path(__file__).resolve().parents[2]
PARENT = """
import subprocess, sys
from bot.die_with_parent import wrap
child = subprocess.Popen(wrap(["sleep", "120"]), process_group=0)
print(child.pid, flush=True)
child.wait()
"""

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


def is_gone(pid: int) -> bool:
    """No such process, or only its exit status left (a zombie nobody reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if is_gone(pid):
            return True
        time.sleep(0.05)
    return is_gone(pid)


def test_the_child_dies_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], cwd=PROJECT, stdout=subprocess.PIPE, text=True
    )
    child = int(parent.stdout.readline())
    try:
        time.sleep(0.3)  # the child has become `sleep` by now
        assert not is_gone(child)
        assert "sleep" in Path(f"/proc/{child}/cmdline").read_bytes().decode()
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        assert wait_gone(child, 3.0)
    finally:
        parent.stdout.close()
        if not is_gone(child):
            os.kill(child, signal.SIGKILL)


def test_a_parent_already_gone_runs_nothing() -> None:
    done = subprocess.run(wrap(["true"], parent_pid=1), cwd=PROJECT, timeout=30, check=False)
    assert done.returncode == PARENT_GONE
