"""Where evidence files are kept: a content-addressed store behind a small interface.

A file's name is its SHA-256, so the same content is stored once and an altered file is
found by hashing it again. `FolderStore` keeps the files under a folder (DATA_DIR/evidence by
default); an S3-compatible object store can implement the same five methods (see
docs/evidence.md). Files are written once and never changed in place.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

DIGEST = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024


class EvidenceStore(Protocol):
    """Files by their SHA-256 (64 lowercase hex digits)."""

    async def put(self, digest: str, source: Path) -> None:
        """Takes the file at `source` (consumed) as the content of `digest`; a no-op if stored."""

    async def get(self, digest: str) -> bytes:
        """The stored bytes; FileNotFoundError when there are none."""

    async def exists(self, digest: str) -> bool:
        """Whether content is stored under `digest`."""

    async def delete(self, digest: str) -> None:
        """Removes the content; nothing happens when it is not there."""

    def iterate(self) -> AsyncIterator[str]:
        """Every stored digest, in no particular order."""


def sha256_of_file(path: Path) -> tuple[str, int]:
    """The file's SHA-256 and size, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def check_digest(digest: str) -> str:
    if not DIGEST.match(digest):
        raise ValueError(f"not a SHA-256 digest: {digest!r}")
    return digest


class FolderStore:
    """Files under `root/ab/cd/abcd…`, read-only once written; `root/.incoming` for arrivals."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming = root / ".incoming"

    def path_of(self, digest: str) -> Path:
        check_digest(digest)
        return self.root / digest[:2] / digest[2:4] / digest

    def new_incoming(self, name: str) -> Path:
        """A path for a file being downloaded, on the store's own file system."""
        self.incoming.mkdir(parents=True, exist_ok=True)
        return self.incoming / name

    async def put(self, digest: str, source: Path) -> None:
        await asyncio.to_thread(self._put, digest, source)

    def _put(self, digest: str, source: Path) -> None:
        target = self.path_of(digest)
        if target.exists():
            source.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{digest}.part")
        shutil.move(source, temporary)  # a rename on the same file system
        temporary.chmod(0o444)
        os.replace(temporary, target)

    async def get(self, digest: str) -> bytes:
        return await asyncio.to_thread(self.path_of(digest).read_bytes)

    async def exists(self, digest: str) -> bool:
        return await asyncio.to_thread(self.path_of(digest).is_file)

    async def delete(self, digest: str) -> None:
        await asyncio.to_thread(self.path_of(digest).unlink, missing_ok=True)

    async def iterate(self) -> AsyncIterator[str]:
        paths = await asyncio.to_thread(lambda: sorted(self.root.glob("??/??/*")))
        for path in paths:
            if DIGEST.match(path.name):
                yield path.name

    async def rehash(self, digest: str) -> str:
        """The SHA-256 of what is stored under `digest` now (differs if it was altered)."""
        found, _ = await asyncio.to_thread(sha256_of_file, self.path_of(digest))
        return found
