"""Runs a command that dies with the process that started it, however that one dies.

    python -m bot.die_with_parent PARENT_PID -- COMMAND [ARGS...]

On Linux it asks the kernel (prctl PR_SET_PDEATHSIG) to SIGKILL this process when its
parent ends, even by SIGKILL; checks that the parent has not ended already (it would then
wait for nothing); then becomes COMMAND by exec, which keeps the request. The bot starts
its NLU server this way instead of in a `preexec_fn`, which is unsafe once threads exist.

The kernel sends the signal when the parent's *thread* that forked ends, not the process:
start the child from the main thread (the run command does).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
PARENT_GONE = 70  # EX_SOFTWARE: nothing to serve any more


def request_death_signal(sig: signal.Signals = signal.SIGKILL) -> bool:
    """Asks for `sig` when the parent ends; False where the system has no such request."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"prctl(PR_SET_PDEATHSIG): {os.strerror(errno)}")
    return True


def wrap(command: list[str], parent_pid: int | None = None) -> list[str]:
    """`command` run so that it dies with `parent_pid` (by default, this process)."""
    parent = os.getpid() if parent_pid is None else parent_pid
    return [sys.executable, "-m", "bot.die_with_parent", str(parent), "--", *command]


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[1] != "--":
        sys.exit("usage: python -m bot.die_with_parent PARENT_PID -- COMMAND [ARGS...]")
    parent, command = int(argv[0]), argv[2:]
    request_death_signal()
    if os.getppid() != parent:
        sys.exit(PARENT_GONE)  # the parent ended before the request was made
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
