"""The evidence store: files fetched from (fake) Telegram, kept once by SHA-256, checked."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.evidence.downloads import EvidenceDownloader
from bot.evidence.service import EvidenceService
from bot.evidence.store import FolderStore
from bot.services.records import NewAttachment
from bot.services.tickets import TicketService
from storage.db import SessionFactory, transaction
from storage.models import AttachmentKind, EvidenceDownload, EvidenceFile, EvidenceState
from tests.conftest import FakeClock
from tests.fakes import FakeTelegram
from tests.fakes.ptb_request import make_bot
from tests.fakes.telegram_state import make_png
from tests.services.conftest import AGENT, BUYER

pytestmark = pytest.mark.usefixtures("known")


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
def store(tmp_path: Path) -> FolderStore:
    return FolderStore(tmp_path / "evidence")


@pytest.fixture
async def bot(fake: FakeTelegram):
    async with make_bot(fake) as bot:
        yield bot


def downloader(sessions, store, bot, clock) -> EvidenceDownloader:
    return EvidenceDownloader(sessions, store, bot, clock)


def uploaded(fake: FakeTelegram, data: bytes, kind: str = "document", **extra) -> NewAttachment:
    """A file as Telegram's servers hold it after a buyer sent it."""
    sent = fake.register_file(data, kind, **extra)
    return NewAttachment(
        kind=AttachmentKind(kind), file_id=sent.file_id, file_unique_id=sent.file_unique_id,
        file_size=sent.file_size,
    )  # fmt: skip


async def file_with(tickets: TicketService, *evidence: NewAttachment):
    return await tickets.file_ticket(
        BUYER, category="product_quality", description="杯子碎了", attachments=evidence
    )


async def test_stored_bytes_hash_to_the_uploaded_files_hash_with_type_from_content(
    sessions, tickets, fake, store, bot, clock
) -> None:
    photo = make_png(80, 60)
    ticket = await file_with(tickets, uploaded(fake, photo, "photo"))

    assert await downloader(sessions, store, bot, clock).run_once() == 1

    expected = hashlib.sha256(photo).hexdigest()
    [item] = await EvidenceService(sessions, store).of_ticket(ticket.id)
    assert item.state is EvidenceState.STORED
    assert item.sha256 == expected
    assert hashlib.sha256(await store.get(expected)).hexdigest() == expected
    assert store.path_of(expected).read_bytes() == photo
    assert (item.size, item.media_type, item.extension) == (len(photo), "image/png", "png")
    assert item.sender_id == BUYER and item.received_at == clock()
    assert not os.access(store.path_of(expected), os.W_OK) or os.geteuid() == 0


async def test_the_same_file_sent_twice_is_stored_once(
    sessions, tickets, fake, store, bot, clock
) -> None:
    data = b"%PDF-1.4\n same receipt \n%%EOF\n"
    first = await file_with(tickets, uploaded(fake, data))
    second = await file_with(tickets, uploaded(fake, data), uploaded(fake, data))

    assert await downloader(sessions, store, bot, clock).run_once() == 3

    evidence = EvidenceService(sessions, store)
    digests = {i.sha256 for t in (first, second) for i in await evidence.of_ticket(t.id)}
    assert digests == {hashlib.sha256(data).hexdigest()}
    assert [d async for d in store.iterate()] == [hashlib.sha256(data).hexdigest()]
    async with transaction(sessions, read_only=True) as session:
        assert len((await session.scalars(select(EvidenceFile))).all()) == 1
    size = await evidence.size()
    assert (size.files, size.bytes, size.pending) == (1, len(data), 0)


async def test_a_restart_in_the_middle_of_downloads_finishes_them(
    sessions, tickets, fake, store, clock
) -> None:
    files = [f"file {n}".encode() * 100 for n in range(3)]
    ticket = await file_with(tickets, *(uploaded(fake, data) for data in files))

    calls = 0

    class Killed(BaseException):
        """The process dies (SIGKILL) while the second file is on its way."""

    class DyingBot:
        def __init__(self, bot) -> None:
            self.bot = bot

        async def get_file(self, *args, **kwargs):
            nonlocal calls
            calls += 1
            if calls == 2:
                raise Killed
            return await self.bot.get_file(*args, **kwargs)

    async with make_bot(fake) as bot:
        with pytest.raises(Killed):
            await downloader(sessions, store, DyingBot(bot), clock).run_once()

    evidence = EvidenceService(sessions, store)
    states = [i.state for i in await evidence.of_ticket(ticket.id)]
    assert states == [EvidenceState.STORED, EvidenceState.PENDING, EvidenceState.PENDING]

    async with make_bot(fake) as bot:  # the new process
        fresh = downloader(sessions, store, bot, clock)
        assert await fresh.run_once() == 0  # the dead process's claims still hold
        clock.advance(minutes=6)  # ... until their lease runs out
        assert await fresh.run_once() == 2

    items = await evidence.of_ticket(ticket.id)
    assert [i.sha256 for i in items] == [hashlib.sha256(d).hexdigest() for d in files]
    assert [await store.exists(i.sha256) for i in items] == [True, True, True]
    assert await fresh.pending() == 0


async def test_a_file_over_20_mb_is_marked_too_big_and_leaves_the_queue(
    sessions, tickets, fake, store, bot, clock
) -> None:
    # Telegram reports the real size; getFile refuses anything over 20 MB.
    big = uploaded(fake, b"x" * 1000, file_size=21 * 1024 * 1024)
    ticket = await file_with(tickets, big)

    assert await downloader(sessions, store, bot, clock).run_once() == 1

    [item] = await EvidenceService(sessions, store).of_ticket(ticket.id)
    assert item.state is EvidenceState.TOO_BIG and item.sha256 is None


async def test_getfile_refusing_too_big_is_believed_when_the_message_said_less(
    sessions, tickets, fake, store, bot, clock
) -> None:
    sent = fake.register_file(b"y" * 10, "document", file_size=30 * 1024 * 1024)
    claimed_small = NewAttachment(AttachmentKind.DOCUMENT, sent.file_id, sent.file_unique_id, 10)
    ticket = await file_with(tickets, claimed_small)

    assert await downloader(sessions, store, bot, clock).run_once() == 1

    [item] = await EvidenceService(sessions, store).of_ticket(ticket.id)
    assert item.state is EvidenceState.TOO_BIG


async def test_a_file_telegram_no_longer_gives_is_retried_then_marked_unavailable(
    sessions, tickets, fake, store, bot, clock
) -> None:
    gone = uploaded(fake, b"expired")
    del fake.files[gone.file_id]  # Telegram forgot it
    ticket = await file_with(tickets, gone)
    worker = downloader(sessions, store, bot, clock)

    assert await worker.run_once() == 0
    assert await worker.run_once() == 0  # not due again yet
    async with transaction(sessions, read_only=True) as session:
        queued = await session.get_one(EvidenceDownload, (await _ids(sessions))[0])
        assert "wrong file_id" in queued.last_error.lower()
    clock.advance(seconds=31)
    assert await worker.run_once() == 0
    clock.advance(seconds=61)
    assert await worker.run_once() == 1

    [item] = await EvidenceService(sessions, store).of_ticket(ticket.id)
    assert item.state is EvidenceState.UNAVAILABLE
    assert await worker.pending() == 0


async def test_an_agents_file_records_the_agent_as_sender(
    sessions, tickets, fake, store, bot, clock
) -> None:
    ticket = await file_with(tickets)
    await tickets.add_attachment(ticket.number, uploaded(fake, b"agent's file"), sender_id=AGENT)
    await downloader(sessions, store, bot, clock).run_once()

    [item] = await EvidenceService(sessions, store).of_ticket(ticket.id)
    assert (item.sender_id, item.state) == (AGENT, EvidenceState.STORED)


async def test_verify_finds_an_altered_and_a_missing_file(
    sessions, tickets, fake, store, bot, clock
) -> None:
    kept, changed, lost = b"kept" * 10, b"changed" * 10, b"lost" * 10
    await file_with(tickets, *(uploaded(fake, d) for d in (kept, changed, lost)))
    await downloader(sessions, store, bot, clock).run_once()
    evidence = EvidenceService(sessions, store)
    assert (await evidence.verify()).ok

    altered = store.path_of(hashlib.sha256(changed).hexdigest())
    altered.chmod(0o644)
    altered.write_bytes(b"tampered")
    store.path_of(hashlib.sha256(lost).hexdigest()).unlink()

    report = await evidence.verify()
    assert not report.ok
    assert report.checked == 3
    assert report.altered == (hashlib.sha256(changed).hexdigest(),)
    assert report.missing == (hashlib.sha256(lost).hexdigest(),)


async def test_forgetting_tickets_deletes_only_files_no_kept_ticket_uses(
    sessions, tickets, fake, store, bot, clock
) -> None:
    shared, own = b"shared" * 5, b"own" * 5
    old = await file_with(tickets, uploaded(fake, shared), uploaded(fake, own))
    kept = await file_with(tickets, uploaded(fake, shared))
    await downloader(sessions, store, bot, clock).run_once()
    evidence = EvidenceService(sessions, store)

    assert await evidence.forget_tickets([old.id]) == 1

    assert not await store.exists(hashlib.sha256(own).hexdigest())
    assert await store.exists(hashlib.sha256(shared).hexdigest())
    assert {i.state for i in await evidence.of_ticket(old.id)} == {EvidenceState.DELETED}
    assert [i.state for i in await evidence.of_ticket(kept.id)] == [EvidenceState.STORED]
    assert (await evidence.verify()).ok


async def _ids(sessions: SessionFactory) -> list[int]:
    async with transaction(sessions, read_only=True) as session:
        return list((await session.scalars(select(EvidenceDownload.attachment_id))).all())


async def test_downloads_queued_before_a_job_ran_are_all_due(
    sessions, tickets, fake, store, bot, clock: FakeClock
) -> None:
    await file_with(tickets, *(uploaded(fake, bytes([n]) * 50) for n in range(12)))
    worker = downloader(sessions, store, bot, clock)
    assert await worker.run_once() == 10  # one batch
    assert await worker.run_once() == 2
    assert await worker.pending() == 0


async def test_each_tickets_card_is_refreshed_once_per_run(
    sessions, tickets, fake, store, bot, clock
) -> None:
    first = await file_with(tickets, *(uploaded(fake, bytes([n]) * 9) for n in range(3)))
    second = await file_with(tickets, uploaded(fake, b"other"))
    refreshed: list[str] = []

    async def settled(number: str) -> None:
        refreshed.append(number)

    worker = EvidenceDownloader(sessions, store, bot, clock, on_settled=settled)
    assert await worker.run_once() == 4
    assert refreshed == [first.number, second.number]
