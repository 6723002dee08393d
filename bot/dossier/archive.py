"""The evidence ZIP: the original files as stored, with a manifest of their SHA-256.

`manifest-sha256.txt` is in the format `sha256sum -c` reads; `manifest.json` adds what the
dossier says of each file. A Telegram bot may send files of up to 50 MB, so the files are
spread over several ZIPs when they do not fit in one; each part lists its own files.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from io import BytesIO

from bot.evidence.service import StoredEvidence

PART_LIMIT = 45 * 1024 * 1024  # below the Bot API's 50 MB upload limit, with room to spare
# Already compressed: deflating them again costs seconds and saves nothing.
_PACKED = ("image/", "video/", "audio/", "application/pdf", "application/zip")


@dataclass(frozen=True, slots=True)
class ArchivedFile:
    item: StoredEvidence
    index: int  # the item's number in the dossier's evidence list
    data: bytes

    @property
    def name(self) -> str:
        extension = f".{self.item.extension}" if self.item.extension else ""
        return f"evidence/{self.index:02d}-{self.item.kind}-{self.item.sha256[:12]}{extension}"


def build_zips(number: str, owner_id: int, files: list[ArchivedFile]) -> list[bytes]:
    """One ZIP, or several of at most PART_LIMIT bytes of files each; none without files."""
    parts: list[list[ArchivedFile]] = []
    size = 0
    for file in files:
        if not parts or (size + len(file.data) > PART_LIMIT and parts[-1]):
            parts.append([])
            size = 0
        parts[-1].append(file)
        size += len(file.data)
    return [_zip(number, owner_id, part) for part in parts]


def _zip(number: str, owner_id: int, files: list[ArchivedFile]) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        seen: set[str] = set()
        lines, entries = [], []
        for file in files:
            if file.name in seen:
                continue
            seen.add(file.name)
            packed = (file.item.media_type or "").startswith(_PACKED)
            archive.writestr(
                file.name, file.data, zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED
            )
            lines.append(f"{file.item.sha256}  {file.name}")
            entries.append(
                {
                    "file": file.name,
                    "sha256": file.item.sha256,
                    "size": len(file.data),
                    "type": file.item.media_type,
                    "kind": file.item.kind,
                    "received_at": file.item.received_at.isoformat(timespec="seconds"),
                    "sender": "buyer" if file.item.sender_id in (owner_id, None) else "support",
                    "caption": file.item.caption,
                }
            )
        archive.writestr("manifest-sha256.txt", "\n".join(lines) + "\n")
        manifest = {"ticket": number, "files": entries}
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return buffer.getvalue()
