"""Evidence in the running bot: the buyer's and the agent's files reach the store; the card
says what is kept and what Telegram would not give."""

from __future__ import annotations

import hashlib

from bot.evidence.service import EvidenceService
from bot.evidence.store import FolderStore
from bot.services.records import NewAttachment
from bot.services.tickets import TicketService
from storage.db import create_engine, create_session_factory
from storage.models import AttachmentKind, EvidenceState
from tests.bot.desk import Desk
from tests.fakes.telegram_updates_media import FAKE_PDF


async def _evidence(desk: Desk):
    services = desk.world.services
    return await services.evidence.of_ticket((await desk.ticket()).id)


async def test_buyer_and_agent_files_are_stored_and_the_card_says_so(desk: Desk) -> None:
    services = desk.world.services
    assert isinstance(services.evidence, EvidenceService)
    [photo] = await _evidence(desk)
    assert photo.sender_id == desk.buyer.id

    await services.downloads.run_once()
    await desk.world.settle()

    [photo] = await _evidence(desk)
    assert photo.state is EvidenceState.STORED and photo.media_type == "image/png"
    assert "1 个已存档" in (await desk.card()).content

    agent_pdf = FAKE_PDF + b"% the shop's reply\n"
    desk.fake.send_document(desk.agent, agent_pdf, file_name="商家回复.pdf", chat=desk.group,
                            **await desk.where())  # fmt: skip
    await desk.world.settle()
    await services.downloads.run_once()
    await desk.world.settle()

    photo, reply = await _evidence(desk)
    assert (reply.sender_id, reply.state) == (desk.agent.id, EvidenceState.STORED)
    assert reply.sha256 == hashlib.sha256(agent_pdf).hexdigest()
    assert await services.evidence.store.get(reply.sha256) == agent_pdf
    assert "2 个已存档" in (await desk.card()).content


async def test_a_file_over_20_mb_is_shown_as_such_on_the_card(desk: Desk) -> None:
    services = desk.world.services
    await services.downloads.run_once()
    # Telegram's message says less than getFile finds: only the download shows the size.
    # (The buyer's only open ticket takes the file.)
    send = lambda: desk.fake.send_document(desk.buyer, b"%PDF-1.4 big", file_name="录屏.pdf")  # noqa: E731
    await desk.world.exchange(desk.buyer, send)
    big = list(desk.fake.files.values())[-1]
    big.file_size = 25 * 1024 * 1024
    assert len(await _evidence(desk)) == 2  # (the periodic job may already have fetched it)

    await services.downloads.run_once()
    await desk.world.settle()

    assert [i.state for i in await _evidence(desk)] == [
        EvidenceState.STORED,
        EvidenceState.TOO_BIG,
    ]
    card = (await desk.card()).content
    assert "1 个已存档" in card and "1 个超过 20 MB,无法下载" in card


async def test_downloads_left_by_a_stopped_bot_are_finished_by_its_periodic_job_after_restart(
    desk: Desk,
) -> None:
    world = desk.world
    ticket = await desk.ticket()
    await world.stop()
    # Evidence that arrived just before the stop: queued, not fetched.
    receipt = desk.fake.register_file(FAKE_PDF + b"% receipt\n", "document")
    engine = create_engine(world.database_url)
    try:
        sessions = create_session_factory(engine)
        await TicketService(sessions, clock=world.clock).add_attachment(
            ticket.number,
            NewAttachment(AttachmentKind.DOCUMENT, receipt.file_id, receipt.file_unique_id),
        )
        evidence = EvidenceService(sessions, FolderStore(world.settings.effective_evidence_dir))
        assert (await evidence.of_ticket(ticket.id))[-1].state is EvidenceState.PENDING
    finally:
        await engine.dispose()

    await world.start()  # the job runs on its own two seconds after the start

    def archived():
        card = desk.fake.message(desk.group, ticket.group_card_message_id)
        return "2 个已存档" in (card.content or "") or None

    await desk.fake.wait_for(archived, timeout=10, what="the card to show both files stored")
    stored = (await _evidence(desk))[-1]
    assert stored.sha256 == hashlib.sha256(receipt.data).hexdigest()
    assert await world.services.evidence.store.get(stored.sha256) == receipt.data
