"""Files made for one message (a dossier's PDF and ZIPs), kept on disk from the moment they
are queued until the outbox has sent them, so a restart in between still sends them.

Each file gets a name of its own (never shared with another message), under
DATA_DIR/outbox-files; the outbox deletes it once it has been sent or given up on.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
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

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def _path(self, name: str) -> Path:
        if not _NAME.match(name):
            raise ValueError(f"not a queued file's name: {name!r}")
        return self.root / name
