"""Merging: a buyer's ticket folded into another of theirs, every moved row audited, and the
statistics counting one complaint."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.services.merge import MergeRefused, MergeService
from bot.services.records import NewAttachment
from bot.services.stats import StatsService
from bot.services.tickets import TicketService
from storage.db import SessionFactory, transaction
from storage.errors import InvalidRating, InvalidTransition, TicketNotFound
from storage.lifecycle import TicketStatus
from storage.models import Attachment, AttachmentKind, AuthorKind, TicketMessage
from tests.conftest import FakeClock
from tests.services.conftest import AGENT, BUYER, OTHER_BUYER, audit_rows, force_status

pytestmark = pytest.mark.usefixtures("known")

PHOTO = NewAttachment(
    kind=AttachmentKind.PHOTO, file_id="AgACAgUAAxkB", file_unique_id="AQADx7", file_size=1000,
    mime_type="image/jpeg", caption="裂缝",
)  # fmt: skip


@pytest.fixture
def merges(sessions: SessionFactory, clock: FakeClock) -> MergeService:
    return MergeService(sessions, clock=clock)


async def _file(tickets: TicketService, owner: int = BUYER, **extra):
    return await tickets.file_ticket(
        owner, category="product_quality", description="杯子碎了", platform="taobao", **extra
    )


async def test_merge_moves_the_conversation_and_evidence_and_closes_the_ticket(
    tickets: TicketService, merges: MergeService, sessions: SessionFactory, clock: FakeClock
) -> None:
    target = await _file(tickets)
    source = await _file(tickets, attachments=[PHOTO])
    said = await tickets.add_message(source.number, author_kind=AuthorKind.BUYER, text="又碎了")

    result = await merges.merge(source.number, target.number, AGENT)

    assert result.message_ids == (said.id,)
    assert [a.caption for a in result.attachments] == ["裂缝"]
    merged = await tickets.get(source.number)
    assert (merged.status, merged.merged_into, merged.closed_at) == (
        TicketStatus.CLOSED, target.number, clock.now,
    )  # fmt: skip
    assert [a.caption for a in await tickets.list_attachments(target.number)] == ["裂缝"]
    assert await tickets.list_attachments(source.number) == []
    async with transaction(sessions, read_only=True) as session:
        rows = await session.scalars(select(TicketMessage).where(TicketMessage.id == said.id))
        assert [row.ticket_id for row in rows] == [target.id]
        files = await session.scalars(select(Attachment.ticket_id))
        assert set(files) == {target.id}
    [*_, closed] = await audit_rows(sessions, source.id)
    assert (closed.action, closed.actor_id, closed.after["merged_into"]) == (
        "merged", AGENT, target.number,
    )  # fmt: skip
    [*_, moved] = await audit_rows(sessions, target.id)
    assert moved.action == "merged_in" and moved.after == {
        "from": source.number,
        "message_ids": [said.id],
        "attachment_ids": [result.attachments[0].id],
    }


async def test_a_merged_ticket_is_final_and_cannot_be_rated(
    tickets: TicketService, merges: MergeService
) -> None:
    target, source = await _file(tickets), await _file(tickets)
    await merges.merge(source.number, target.number, AGENT)

    with pytest.raises(InvalidTransition):
        await tickets.change_status(source.number, TicketStatus.REOPENED, AGENT)
    with pytest.raises(InvalidRating):
        await tickets.rate(BUYER, source.number, 5)


@pytest.mark.parametrize(
    "case", ["same", "other_buyer", "target_closed", "already_merged", "source_closed"]
)
async def test_merges_that_make_no_sense_are_refused_and_change_nothing(
    tickets: TicketService, merges: MergeService, sessions: SessionFactory, case: str
) -> None:
    source, target = await _file(tickets), await _file(tickets)
    if case == "same":
        target = source
    elif case == "other_buyer":
        target = await _file(tickets, owner=OTHER_BUYER)
    elif case == "target_closed":
        await force_status(sessions, target.number, TicketStatus.CLOSED)
    elif case == "already_merged":
        third = await _file(tickets)
        await merges.merge(target.number, third.number, AGENT)
    else:
        await force_status(sessions, source.number, TicketStatus.CLOSED)
    before = await tickets.get(source.number)

    with pytest.raises(MergeRefused) as refused:
        await merges.merge(source.number, target.number, AGENT)

    assert refused.value.reason == case
    assert await tickets.get(source.number) == before


async def test_an_unknown_target_is_refused(tickets: TicketService, merges: MergeService) -> None:
    source = await _file(tickets)
    with pytest.raises(TicketNotFound):
        await merges.merge(source.number, "TS-20261121-9999", AGENT)


async def test_statistics_count_a_merged_complaint_once(
    tickets: TicketService, merges: MergeService, sessions: SessionFactory, clock: FakeClock
) -> None:
    stats = StatsService(sessions, clock, "Asia/Shanghai")
    target, source = await _file(tickets), await _file(tickets)
    assert (await stats.summary(7)).total == 2

    await merges.merge(source.number, target.number, AGENT)

    summary = await stats.summary(7)
    assert summary.total == 1
    assert dict(summary.by_status)[TicketStatus.CLOSED] == 0
    assert dict(summary.by_category)["product_quality"] == 1


async def test_a_buyer_message_for_the_merged_ticket_joins_the_one_it_went_into(
    tickets: TicketService, merges: MergeService, sessions: SessionFactory, clock: FakeClock
) -> None:
    from bot.services.followups import FollowUpService, Pending

    followups = FollowUpService(sessions, clock)
    target, source = await _file(tickets), await _file(tickets)
    await merges.merge(source.number, target.number, AGENT)

    added = await followups.add_to(BUYER, source.number, Pending(BUYER, 77, "还有一张图", None))

    assert added.ticket.number == target.number
