"""`complaint-desk evidence verify` and `anonymise` on the evidence store, run as operators do."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from bot.evidence.downloads import EvidenceDownloader
from bot.evidence.store import FolderStore
from bot.services.people import PeopleService
from bot.services.records import NewAttachment
from bot.services.tickets import TicketService
from storage.db import create_engine, create_session_factory, transaction
from storage.lifecycle import TicketStatus
from storage.migrate import upgrade_database_sync
from storage.models import AttachmentKind, Ticket
from tests.fakes import FakeTelegram
from tests.fakes.ptb_request import make_bot

OLD, KEPT = b"old ticket's own photo" * 20, b"a receipt both tickets have" * 20


def run_cli(*args: str, folder: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'ops.sqlite3'}",
        "DATA_DIR": str(folder / "data"),
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env,
        check=False,
    )  # fmt: skip


async def _two_tickets_with_evidence(folder: Path) -> None:
    """An old closed ticket (its own file and a shared one) and a recent one (the shared)."""
    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'ops.sqlite3'}")
    fake, sessions = FakeTelegram(), create_session_factory(engine)
    long_ago = datetime(2025, 1, 10, tzinfo=UTC)
    try:
        await PeopleService(sessions, clock=lambda: long_ago).get_or_create(1, "Li", "zh")

        def upload(data: bytes) -> NewAttachment:
            sent = fake.register_file(data, "document")
            return NewAttachment(AttachmentKind.DOCUMENT, sent.file_id, sent.file_unique_id)

        tickets = TicketService(sessions, clock=lambda: long_ago)
        old = await tickets.file_ticket(1, category="delivery", description="x",
                                        attachments=[upload(OLD), upload(KEPT)])  # fmt: skip
        await tickets.file_ticket(1, category="delivery", description="y",
                                  attachments=[upload(KEPT)])  # fmt: skip
        async with transaction(sessions) as session:
            await session.execute(
                update(Ticket)
                .where(Ticket.id == old.id)
                .values(status=TicketStatus.CLOSED, closed_at=long_ago)
            )
        store = FolderStore(folder / "data" / "evidence")
        async with make_bot(fake) as bot:
            now = lambda: long_ago + timedelta(minutes=1)  # noqa: E731
            assert await EvidenceDownloader(sessions, store, bot, now).run_once() == 3
    finally:
        await engine.dispose()


def _path(folder: Path, data: bytes) -> Path:
    return FolderStore(folder / "data" / "evidence").path_of(hashlib.sha256(data).hexdigest())


def test_verify_reports_an_altered_file_and_exits_1(tmp_path: Path) -> None:
    upgrade_database_sync(f"sqlite+aiosqlite:///{tmp_path / 'ops.sqlite3'}")
    asyncio.run(_two_tickets_with_evidence(tmp_path))

    done = run_cli("evidence", "verify", folder=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Checked 2 file(s)" in done.stdout and "0 missing, 0 altered" in done.stdout

    altered = _path(tmp_path, KEPT)
    altered.chmod(0o644)
    altered.write_bytes(b"edited afterwards")
    done = run_cli("evidence", "verify", folder=tmp_path)
    assert done.returncode == 1
    assert f"ALTERED  {hashlib.sha256(KEPT).hexdigest()}" in done.stdout
    assert "0 missing, 1 altered" in done.stdout


def test_anonymise_deletes_the_files_only_its_tickets_used(tmp_path: Path) -> None:
    upgrade_database_sync(f"sqlite+aiosqlite:///{tmp_path / 'ops.sqlite3'}")
    asyncio.run(_two_tickets_with_evidence(tmp_path))
    assert _path(tmp_path, OLD).is_file()

    done = run_cli("anonymise", folder=tmp_path)

    assert done.returncode == 0, done.stderr
    assert "Anonymised 1 ticket(s)" in done.stdout and "1 evidence file(s) deleted" in done.stdout
    assert not _path(tmp_path, OLD).exists()
    assert _path(tmp_path, KEPT).is_file()  # the recent ticket still needs it
    verify = run_cli("evidence", "verify", folder=tmp_path)
    assert verify.returncode == 0 and "Checked 1 file(s)" in verify.stdout
    again = run_cli("anonymise", folder=tmp_path)
    assert "Anonymised 0 ticket(s)" in again.stdout and "0 evidence file(s)" in again.stdout
