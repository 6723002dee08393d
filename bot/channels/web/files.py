"""Files web visitors upload (and agents' files for them), kept by content (SHA-256).

Telegram keeps its own files; a web visitor's photo has nowhere else to live, so the service
keeps it here and refers to it as `web:<sha256>` wherever a Telegram file id would stand.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from telegram import InputFile

PREFIX = "web:"
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class StoredFile:
    file_id: str  # web:<sha256>
    digest: str
    size: int


class WebFiles:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, file_id_or_digest: str) -> Path | None:
        """Where a stored file is; None for anything that is not one of ours."""
        digest = file_id_or_digest.removeprefix(PREFIX)
        if not _DIGEST.match(digest):
            return None
        path = self.root / digest[:2] / digest
        return path if path.is_file() else None

    def put(self, content: bytes) -> StoredFile:
        """Keeps the content once (same content, same file) and returns its reference."""
        digest = hashlib.sha256(content).hexdigest()
        folder = self.root / digest[:2]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / digest
        if not path.exists():
            partial = folder / f".{digest}.{os.getpid()}.part"
            partial.write_bytes(content)
            partial.replace(path)
        return StoredFile(PREFIX + digest, digest, len(content))

    def input_file(self, file_id: str, name: str | None = None) -> InputFile:
        """The stored file, read for an upload to Telegram."""
        path = self.path_of(file_id)
        if path is None:
            raise FileNotFoundError(file_id)
        return InputFile(path.read_bytes(), filename=name or path.name)
