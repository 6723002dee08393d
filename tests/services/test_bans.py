"""Bans: audited on and off, the buyer's first text is their one appeal, the notice is not
repeated more than once a day, and nothing already filed changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.services.bans import BanError, BanService, Screening
from bot.services.tickets import TicketService
from storage.db import SessionFactory, transaction
from storage.errors import PersonBlocked
from storage.models import AuditEntry
from tests.conftest import FakeClock
from tests.services.conftest import AGENT, BUYER, OTHER_BUYER

pytestmark = pytest.mark.usefixtures("known")


@pytest.fixture
def bans(sessions: SessionFactory, clock: FakeClock) -> BanService:
    return BanService(sessions, clock=clock)


async def _audit(sessions: SessionFactory, person_id: int) -> list[tuple]:
    async with transaction(sessions, read_only=True) as session:
        query = select(AuditEntry).where(AuditEntry.person_id == person_id)
        rows = await session.scalars(query.order_by(AuditEntry.id))
        return [(row.action, row.actor_id, row.ticket_id, row.note) for row in rows]


async def test_a_ban_stops_filing_keeps_tickets_and_is_audited(
    bans: BanService, tickets: TicketService, sessions: SessionFactory
) -> None:
    filed = await tickets.file_ticket(BUYER, category="delivery", description="没收到")

    ban = await bans.ban(BUYER, "辱骂客服", AGENT, ticket_id=filed.id)

    assert (ban.reason, ban.banned_by_id, ban.ticket_id) == ("辱骂客服", AGENT, filed.id)
    with pytest.raises(PersonBlocked):
        await tickets.file_ticket(BUYER, category="delivery", description="再来一次")
    assert [t.number for t in await tickets.list_for_owner(BUYER)] == [filed.number]
    with pytest.raises(BanError) as twice:
        await bans.ban(BUYER, "again", AGENT)
    assert twice.value.reason == "already_banned"
    lifted = await bans.unban(BUYER, AGENT)
    assert lifted.lifted_by_id == AGENT and await bans.current(BUYER) is None
    await tickets.file_ticket(BUYER, category="delivery", description="可以了")
    assert await _audit(sessions, BUYER) == [
        ("banned", AGENT, filed.id, "辱骂客服"),
        ("unbanned", AGENT, filed.id, None),
    ]
    with pytest.raises(BanError) as none:
        await bans.unban(BUYER, AGENT)
    assert none.value.reason == "not_banned"


async def test_the_first_text_is_the_appeal_then_the_notice_once_a_day(
    bans: BanService, sessions: SessionFactory, clock: FakeClock
) -> None:
    assert await bans.screen(BUYER, "hello") is None  # not banned: the flow goes on
    await bans.ban(BUYER, "spam", AGENT)

    photo_only = await bans.screen(BUYER, None)
    appeal = await bans.screen(BUYER, "  我没有发垃圾消息,请查看  ")
    again = await bans.screen(BUYER, "请回复")
    clock.advance(hours=25)
    next_day = await bans.screen(BUYER, "还在吗")
    same_day = await bans.screen(BUYER, "?")

    assert photo_only.outcome is Screening.QUIET  # the ban's own notice was just sent
    assert appeal.outcome is Screening.APPEAL
    assert appeal.ban.appeal_text == "我没有发垃圾消息,请查看"
    assert again.outcome is Screening.QUIET
    assert next_day.outcome is Screening.NOTICE and same_day.outcome is Screening.QUIET
    assert [b.person_id for b in await bans.appeals()] == [BUYER]
    assert (await _audit(sessions, BUYER))[-1] == ("appealed", BUYER, None, appeal.ban.appeal_text)
    assert await bans.screen(OTHER_BUYER, "hi") is None
    await bans.unban(BUYER, AGENT)
    assert await bans.appeals() == []
    assert await bans.screen(BUYER, "谢谢") is None
