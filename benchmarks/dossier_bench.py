"""How long a dossier takes to make, and how big it is: a ticket with 40 messages and 10
photos (1280 x 960 PNG), rendered to PDF and packed into the evidence ZIP.

    .venv/bin/python benchmarks/dossier_bench.py
"""

from __future__ import annotations

import hashlib
import io
import time
from datetime import UTC, datetime, timedelta

from PIL import Image

from bot.dossier.archive import ArchivedFile, build_zips
from bot.dossier.content import Deadline, Dossier, Entry, Event, Reader, Verdict
from bot.dossier.pdf import render_pdf
from bot.evidence.service import StoredEvidence
from bot.services.records import TicketRecord
from storage.lifecycle import TicketStatus
from storage.models import AuthorKind, EvidenceState, Priority

NOW = datetime(2026, 11, 21, 2, tzinfo=UTC)


def photo(n: int) -> bytes:
    image = Image.effect_noise((1280, 960), 40 + n).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def dossier(photos: list[bytes]) -> Dossier:
    ticket = TicketRecord(
        id=1, number="TS-20261121-0001", owner_id=1, category="product_quality",
        category_confidence=0.9, platform="taobao", order_number="4012345678901234567",
        shop="某某旗舰店", desired_resolution=None, description="杯子碎了,漏水。" * 20,
        status=TicketStatus.RESOLVED, priority=Priority.NORMAL, assignee_id=None,
        filed_at=NOW, accepted_at=NOW, investigation_started_at=NOW, info_requested_at=None,
        resolved_at=NOW, rejected_at=None, closed_at=None, reopened_at=None, escalated_at=None,
        updated_at=NOW, accept_due_at=NOW, investigate_due_at=NOW, resolve_due_at=NOW,
        group_chat_id=None, group_topic_id=None, group_card_message_id=None,
    )  # fmt: skip
    messages = tuple(
        Entry(NOW + timedelta(minutes=n), AuthorKind.BUYER if n % 2 else AuthorKind.AGENT, None,
              "商家一直不回复,我已经等了三天了。" * 4)
        for n in range(40)
    )  # fmt: skip
    evidence = tuple(
        StoredEvidence(n, "photo", None, 1, NOW, EvidenceState.STORED,
                       hashlib.sha256(data).hexdigest(), len(data), "image/png", "png")
        for n, data in enumerate(photos)
    )  # fmt: skip
    return Dossier(
        Reader.BUYER, ticket, "李雷", (Event(NOW, "filed", None, None),),
        (Deadline("review", NOW, NOW, Verdict.KEPT),), messages, None, evidence, NOW,
    )  # fmt: skip


def main() -> None:
    photos = [photo(n) for n in range(10)]
    made = dossier(photos)
    images = {item.sha256: data for item, data in zip(made.evidence, photos, strict=True)}
    start = time.perf_counter()
    pdf = render_pdf(made, "zh", "Asia/Shanghai", images)
    pdf_seconds = time.perf_counter() - start
    start = time.perf_counter()
    files = [ArchivedFile(item, n, data) for n, (item, data) in enumerate(
        zip(made.evidence, photos, strict=True), 1)]  # fmt: skip
    zips = build_zips(made.ticket.number, 1, files)
    zip_seconds = time.perf_counter() - start
    total = sum(len(p) for p in photos)
    print(f"PDF: {pdf_seconds:.2f} s, {len(pdf) / 1024:.0f} KiB (40 messages, 10 thumbnails)")
    print(f"ZIP: {zip_seconds:.2f} s, {sum(map(len, zips)) / 1024 / 1024:.1f} MiB "
          f"from {total / 1024 / 1024:.1f} MiB of photos, {len(zips)} part(s)")  # fmt: skip


if __name__ == "__main__":
    main()
