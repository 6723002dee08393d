"""The evidence ZIP: originals with a manifest that matches them, split below Telegram's limit."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime

import pytest

from bot.dossier import archive
from bot.dossier.archive import ArchivedFile, build_zips
from bot.evidence.service import StoredEvidence
from storage.models import EvidenceState

OWNER, AGENT = 1001, 2001


def stored(data: bytes, sender: int, extension: str | None = "jpg") -> StoredEvidence:
    return StoredEvidence(
        attachment_id=1, kind="photo", caption="裂缝", sender_id=sender,
        received_at=datetime(2026, 11, 21, 2, tzinfo=UTC), state=EvidenceState.STORED,
        sha256=hashlib.sha256(data).hexdigest(), size=len(data), media_type="image/jpeg",
        extension=extension,
    )  # fmt: skip


def test_files_over_the_part_limit_are_split_and_each_part_lists_its_own(monkeypatch) -> None:
    monkeypatch.setattr(archive, "PART_LIMIT", 100)
    blobs = [bytes([n]) * 60 for n in range(3)]
    files = [ArchivedFile(stored(b, OWNER if n else AGENT), n + 1, b) for n, b in enumerate(blobs)]

    parts = build_zips("TS-20261121-0001", OWNER, files)

    assert len(parts) == 3  # 60 + 60 > 100: one file to a part
    seen = []
    for part in parts:
        with zipfile.ZipFile(io.BytesIO(part)) as zipped:
            lines = zipped.read("manifest-sha256.txt").decode().splitlines()
            for line in lines:
                digest, name = line.split("  ", 1)
                assert hashlib.sha256(zipped.read(name)).hexdigest() == digest
                seen.append(digest)
    assert seen == [hashlib.sha256(b).hexdigest() for b in blobs]


@pytest.mark.parametrize("extension", ["jpg", None])
def test_names_carry_the_order_kind_hash_and_detected_extension(extension) -> None:
    data = b"photo"
    [part] = build_zips("TS-1", OWNER, [ArchivedFile(stored(data, OWNER, extension), 3, data)])
    with zipfile.ZipFile(io.BytesIO(part)) as zipped:
        names = zipped.namelist()
    digest = hashlib.sha256(data).hexdigest()
    suffix = f".{extension}" if extension else ""
    assert f"evidence/03-photo-{digest[:12]}{suffix}" in names
    assert {"manifest-sha256.txt", "manifest.json"} <= set(names)


def test_no_files_no_zip() -> None:
    assert build_zips("TS-1", OWNER, []) == []
