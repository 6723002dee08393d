"""Buyer messages outside an intake always end up in a ticket, never dropped."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.nlu import NluUnavailable
from bot.services.followups import AddedToTicket, AskWhichTicket, FollowUpService, NotHeld, Pending
from bot.services.intake import IntakeService
from bot.services.intake_draft import Evidence, Step
from bot.services.tickets import TicketService
from storage.db import SessionFactory, transaction
from storage.errors import TicketNotFound
from storage.lifecycle import TicketStatus
from storage.models import AttachmentKind, AuthorKind, TicketMessage
from tests.conftest import FakeClock
from tests.services.conftest import BUYER, OTHER_BUYER, force_status

pytestmark = pytest.mark.usefixtures("known")


@pytest.fixture
def followups(sessions: SessionFactory, clock: FakeClock) -> FollowUpService:
    return FollowUpService(sessions, clock)


@pytest.fixture
def intake(sessions: SessionFactory, tickets: TicketService, clock: FakeClock) -> IntakeService:
    return IntakeService(sessions, tickets, clock)


def message(n: int, text: str | None = "还有一张照片", evidence: Evidence | None = None) -> Pending:
    return Pending(chat_id=BUYER, message_id=n, text=text, evidence=evidence)


async def file(tickets: TicketService, owner: int = BUYER, category: str = "delivery") -> str:
    return (await tickets.file_ticket(owner, category=category, description="x")).number


async def buyer_messages(sessions: SessionFactory) -> list[TicketMessage]:
    async with transaction(sessions, read_only=True) as session:
        from sqlalchemy import select

        rows = await session.scalars(
            select(TicketMessage).where(TicketMessage.author_kind == AuthorKind.BUYER)
        )
        return list(rows)


async def test_without_open_tickets_the_message_starts_a_complaint(followups) -> None:
    assert await followups.route(BUYER, message(1)) is None


async def test_a_ticket_waiting_for_the_buyer_takes_the_message(
    followups: FollowUpService, tickets: TicketService, sessions: SessionFactory
) -> None:
    await file(tickets)
    waiting = await file(tickets, category="refund_return")
    await force_status(sessions, waiting, TicketStatus.WAITING_FOR_BUYER)
    shot = Evidence(AttachmentKind.PHOTO, "file-1", "uniq-1", 1000, "image/jpeg")
    routed = await followups.route(BUYER, message(7, "退款页面截图", shot))
    assert isinstance(routed, AddedToTicket) and routed.ticket.number == waiting
    stored = await buyer_messages(sessions)
    assert [(m.text, m.buyer_message_id) for m in stored] == [("退款页面截图", 7)]
    assert [a.file_id for a in await tickets.list_attachments(waiting)] == ["file-1"]
    mapped = await tickets.find_ticket_by_message(BUYER, 7)
    assert mapped is not None and mapped.number == waiting


async def test_the_only_open_ticket_takes_the_message_without_asking(
    followups: FollowUpService, tickets: TicketService, sessions: SessionFactory, clock
) -> None:
    closed = await file(tickets, category="billing")
    await force_status(sessions, closed, TicketStatus.CLOSED)
    only = await file(tickets)
    await file(tickets, owner=OTHER_BUYER)
    routed = await followups.route(BUYER, message(3, "商家还是没回"))
    assert isinstance(routed, AddedToTicket) and routed.only_open
    assert routed.ticket.number == only
    assert [m.text for m in await buyer_messages(sessions)] == ["商家还是没回"]
    assert await tickets.find_ticket_by_message(BUYER, 3) is not None


async def test_otherwise_the_buyer_is_asked_and_the_messages_are_held(
    followups: FollowUpService, tickets: TicketService, sessions: SessionFactory
) -> None:
    first, second = await file(tickets), await file(tickets, category="billing")
    await file(tickets, owner=OTHER_BUYER)
    asked = await followups.route(BUYER, message(1, "商家还是没回"))
    assert isinstance(asked, AskWhichTicket)
    assert {t.number for t in asked.tickets} == {first, second}
    again = await followups.hold(BUYER, message(2, "今天又打了电话"))
    assert again.held == 2 and again.token == asked.token
    placed = await followups.place(BUYER, asked.token, first)
    assert placed.ticket.number == first
    assert [m.text for m in await buyer_messages(sessions)] == ["商家还是没回", "今天又打了电话"]
    with pytest.raises(NotHeld):
        await followups.place(BUYER, asked.token, first)


async def test_held_messages_cannot_be_put_into_someone_elses_ticket(
    followups: FollowUpService, tickets: TicketService, sessions: SessionFactory
) -> None:
    await file(tickets)
    await file(tickets, category="billing")  # two open tickets: the buyer is asked
    foreign = await file(tickets, owner=OTHER_BUYER)
    asked = await followups.route(BUYER, message(1))
    assert isinstance(asked, AskWhichTicket)
    with pytest.raises(TicketNotFound):
        await followups.place(BUYER, asked.token, foreign)
    assert await buyer_messages(sessions) == []


async def test_held_messages_can_become_a_new_complaint(
    followups: FollowUpService, intake: IntakeService, tickets: TicketService
) -> None:
    await file(tickets)
    await file(tickets, category="billing")  # two open tickets: the buyer is asked
    shot = Evidence(AttachmentKind.PHOTO, "file-2", "uniq-2", 1000, "image/jpeg")
    asked = await followups.route(BUYER, message(1, "另一个订单也有问题", shot))
    assert isinstance(asked, AskWhichTicket)
    text = await followups.as_new_complaint(BUYER, asked.token)
    assert text == "另一个订单也有问题"
    prompt = await intake.describe(BUYER, text, NluUnavailable("down"))
    assert prompt.step is Step.CATEGORY
    assert prompt.draft.description == text and [e.file_id for e in prompt.draft.evidence] == [
        "file-2"
    ]


async def test_starting_a_new_complaint_keeps_held_messages(
    followups: FollowUpService, intake: IntakeService, tickets: TicketService
) -> None:
    await file(tickets)
    await file(tickets, category="billing")  # two open tickets: the buyer is asked
    await followups.route(BUYER, message(1, "我还想投诉另一家店"))
    prompt = await intake.begin(BUYER)
    assert prompt.step is Step.DESCRIBE
    described = await intake.describe(BUYER, "卖家发了假货", NluUnavailable("down"))
    assert described.draft.description == "我还想投诉另一家店\n卖家发了假货"


async def test_cancel_drops_held_messages_into_no_ticket(
    followups: FollowUpService, intake: IntakeService, tickets: TicketService,
    sessions: SessionFactory, clock: FakeClock,
) -> None:  # fmt: skip
    await file(tickets)
    clock.advance(minutes=5)
    await file(tickets, category="billing")
    await followups.route(BUYER, message(1, "补充一下"))
    await followups.route(BUYER, message(2, "还有一句"))
    cancelled = await intake.cancel(BUYER)
    assert (cancelled.step, cancelled.held) == (Step.ROUTE, 2)
    assert await buyer_messages(sessions) == []
    assert await intake.current(BUYER) is None


async def test_held_messages_never_expire(
    followups: FollowUpService, intake: IntakeService, tickets: TicketService, clock: FakeClock
) -> None:
    await file(tickets)
    await file(tickets, category="billing")  # two open tickets: the buyer is asked
    await followups.route(BUYER, message(1))
    clock.advance(days=3)
    assert await intake.expire(timedelta(hours=24)) == []
