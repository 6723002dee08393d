"""The operators' evidence commands, kept out of bot/cli.py."""

from __future__ import annotations

from collections.abc import Callable

from bot.evidence.service import EvidenceService
from bot.evidence.store import FolderStore
from bot.settings import Settings
from storage.db import create_engine, create_session_factory


async def verify_store(settings: Settings, echo: Callable[[str], object]) -> int:
    """Prints what `evidence verify` found; returns the exit status (0 all well, 1 not)."""
    engine = create_engine(settings.effective_database_url)
    try:
        store = FolderStore(settings.effective_evidence_dir)
        service = EvidenceService(create_session_factory(engine), store)
        report, size = await service.verify(), await service.size()
    finally:
        await engine.dispose()
    for digest in report.missing:
        echo(f"MISSING  {digest}")
    for digest in report.altered:
        echo(f"ALTERED  {digest}")
    for digest in report.unknown:
        echo(f"UNKNOWN  {digest} (in the store, not in the database)")
    echo(
        f"Checked {report.checked} file(s) ({size.bytes} bytes) in {store.root}: "
        f"{len(report.missing)} missing, {len(report.altered)} altered, "
        f"{len(report.unknown)} not in the database; {size.pending} download(s) pending."
    )
    return 0 if report.ok else 1
