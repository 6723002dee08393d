"""Files made for one message (a dossier's PDF and ZIPs), kept on disk from the moment they
are queued until the outbox has sent them, so a restart in between still sends them.

Each file gets a name of its own (never shared with another message), under
DATA_DIR/outbox-files; the outbox deletes it once it has been sent or given up on. A file a
crash left behind (written but never queued, or sent but not yet deleted) holds personal data:
`sweep` removes those that no unsent item names.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from collections.abc import Collection
from pathlib import Path

_NAME = re.compile(r"^[0-9a-f]{32}$")


class QueuedFiles:
    def __init__(self, root: Path) -> None:
        self.root = root

    async def put(self, content: bytes) -> str:
        """Keeps the content and returns its name."""
        return await asyncio.to_thread(self._put, content)

    async def read(self, name: str) -> bytes:
        """The content; FileNotFoundError when it is gone."""
        return await asyncio.to_thread(self._path(name).read_bytes)

    def _put(self, content: bytes) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        name = uuid.uuid4().hex
        partial = self.root / f".{name}.{os.getpid()}.part"
        partial.write_bytes(content)
        partial.replace(self.root / name)
        return name

    async def sweep(self, in_use: Collection[str], older_than: float) -> int:
        """Deletes the files older than `older_than` seconds that are not `in_use` (named by an
        unsent item); the age spares a file written for a message that is being queued now.
        Returns how many were deleted."""
        return await asyncio.to_thread(self._sweep, set(in_use), time.time() - older_than)

    def _sweep(self, in_use: set[str], before: float) -> int:
        if not self.root.is_dir():
            return 0
        deleted = 0
        for path in self.root.iterdir():
            name = path.name
            kept = _NAME.match(name) is None and not name.endswith(".part")
            if kept or name in in_use or path.stat().st_mtime >= before:
                continue
            path.unlink(missing_ok=True)
            deleted += 1
        return deleted

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def _path(self, name: str) -> Path:
        if not _NAME.match(name):
            raise ValueError(f"not a queued file's name: {name!r}")
        return self.root / name
