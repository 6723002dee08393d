"""A dossier's files: the PDF and the evidence ZIP(s), made off the event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.dossier.archive import ArchivedFile, build_zips
from bot.dossier.content import Dossier, DossierService
from bot.dossier.pdf import render_pdf
from storage.models import EvidenceState


@dataclass(frozen=True, slots=True)
class DossierFiles:
    number: str
    pdf: bytes
    zips: tuple[bytes, ...]

    @property
    def pdf_name(self) -> str:
        return f"{self.number}-dossier.pdf"

    def zip_name(self, part: int) -> str:
        suffix = "" if len(self.zips) == 1 else f"-{part}of{len(self.zips)}"
        return f"{self.number}-evidence{suffix}.zip"


async def make_files(
    service: DossierService, dossier: Dossier, language: str, timezone: str
) -> DossierFiles:
    """Reads the stored files once, then renders the PDF and packs the ZIPs in a thread."""
    archived = []
    for index, item in enumerate(dossier.evidence, 1):
        if item.state is EvidenceState.STORED and item.sha256:
            try:
                data = await service.file_bytes(item.sha256)
            except FileNotFoundError:
                continue  # `evidence verify` reports it; the dossier still lists the hash
            archived.append(ArchivedFile(item, index, data))
    images = {
        file.item.sha256: file.data
        for file in archived
        if (file.item.media_type or "").startswith("image/")
    }
    number, owner = dossier.ticket.number, dossier.ticket.owner_id
    pdf = await asyncio.to_thread(render_pdf, dossier, language, timezone, images)
    zips = await asyncio.to_thread(build_zips, number, owner, archived)
    return DossierFiles(number, pdf, tuple(zips))
