"""Chromium for the browser tests: the distribution's package, driven by Playwright's driver.

`playwright install` downloads a browser build of its own, which this project never does:
scripts/test.sh installs Debian's `chromium`, and a missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "chromium", "chromium-browser")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
HOW_TO_GET_IT = (
    "The browser tests need Chromium and found none. On Debian/Ubuntu: "
    "'apt-get install -y chromium' (scripts/test.sh does this where it can); elsewhere install "
    "Chromium and set CHROMIUM=/path/to/chromium."
)


def chromium_path() -> str:
    """The Chromium to drive; an AssertionError that says what to install if there is none."""
    configured = os.environ.get("CHROMIUM")
    for candidate in ([configured] if configured else []) + list(CANDIDATES):
        found = candidate if Path(candidate).is_file() else shutil.which(candidate)
        if found:
            return found
    raise AssertionError(HOW_TO_GET_IT)
