"""Files a web visitor uploads: read no further than the limit, checked by their content."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype

from storage.models import AttachmentKind

# What the content says it is -> the kind of evidence and the names such a file may have.
ACCEPTED = {
    "image/jpeg": (AttachmentKind.PHOTO, {".jpg", ".jpeg", ".jfif"}),
    "image/png": (AttachmentKind.PHOTO, {".png"}),
    "image/webp": (AttachmentKind.PHOTO, {".webp"}),
    "image/gif": (AttachmentKind.PHOTO, {".gif"}),
    "application/pdf": (AttachmentKind.DOCUMENT, {".pdf"}),
    "video/mp4": (AttachmentKind.VIDEO, {".mp4", ".m4v"}),
    "video/quicktime": (AttachmentKind.VIDEO, {".mov", ".qt"}),
    "video/webm": (AttachmentKind.VIDEO, {".webm"}),
}
HEAD_BYTES = 8192


class UploadRefused(Exception):
    """`reason`: too_big, empty, unsupported, mismatch (the name says another type)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Checked:
    kind: AttachmentKind
    mime: str
    name: str


def check(head: bytes, name: str) -> Checked:
    """The file's kind from its first bytes; a name that says another type is refused."""
    if not head:
        raise UploadRefused("empty")
    guess = filetype.guess(head[:HEAD_BYTES])
    mime = guess.mime if guess is not None else None
    if mime not in ACCEPTED:
        raise UploadRefused("unsupported")
    kind, suffixes = ACCEPTED[mime]
    clean = PurePosixPath(name.replace("\\", "/")).name[:128] or f"file{sorted(suffixes)[0]}"
    suffix = PurePosixPath(clean).suffix.lower()
    if suffix and suffix not in suffixes:
        raise UploadRefused("mismatch")
    if not suffix:
        clean += sorted(suffixes)[0]
    return Checked(kind, mime, clean)


async def read_limited(stream, limit: int) -> bytes:
    """The body, stopping as soon as it passes `limit` bytes."""
    chunks, size = [], 0
    async for chunk in stream:
        size += len(chunk)
        if size > limit:
            raise UploadRefused("too_big")
        chunks.append(chunk)
    return b"".join(chunks)
