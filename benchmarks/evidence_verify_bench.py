"""How fast `evidence verify` re-hashes the store: 200 random files of 1 MiB in a fresh
folder store and SQLite database.

    .venv/bin/python benchmarks/evidence_verify_bench.py
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.evidence.service import EvidenceService
from bot.evidence.store import FolderStore
from storage.db import create_engine, create_session_factory, transaction
from storage.migrate import upgrade_database
from storage.models import EvidenceFile

FILES, SIZE = 200, 1024 * 1024


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        url = f"sqlite+aiosqlite:///{root / 'bench.sqlite3'}"
        await upgrade_database(url)
        engine = create_engine(url)
        try:
            sessions, store = create_session_factory(engine), FolderStore(root / "evidence")
            async with transaction(sessions) as session:
                for n in range(FILES):
                    data = os.urandom(SIZE)
                    digest = hashlib.sha256(data).hexdigest()
                    incoming = store.new_incoming(str(n))
                    incoming.write_bytes(data)
                    await store.put(digest, incoming)
                    session.add(EvidenceFile(sha256=digest, size=SIZE, stored_at=datetime.now(UTC)))
            start = time.perf_counter()
            report = await EvidenceService(sessions, store).verify()
            seconds = time.perf_counter() - start
        finally:
            await engine.dispose()
    print(f"verify: {report.checked} files of 1 MiB in {seconds:.2f} s, all well: {report.ok}")


if __name__ == "__main__":
    asyncio.run(main())
