"""The model's first guess on each ticket, agents' corrections, and what they give: training
data and the first-guess statistics; on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from bot.nlu import IntentScore, NluResult, NluUnavailable
from bot.services.corrections import CategoryChangedMeanwhile, CorrectionService, UnknownCategory
from bot.services.intake import IntakeService
from bot.services.stats import StatsService
from bot.services.tickets import TicketService
from storage.db import SessionFactory, transaction
from storage.lifecycle import TicketStatus
from storage.models import Ticket
from tests.conftest import FakeClock
from tests.services.conftest import AGENT, BUYER, audit_rows, force_status

pytestmark = pytest.mark.usefixtures("known")


@pytest.fixture
def intake(sessions: SessionFactory, tickets: TicketService, clock: FakeClock) -> IntakeService:
    return IntakeService(sessions, tickets, clock, confidence_threshold=0.55)


@pytest.fixture
def corrections(sessions: SessionFactory, clock: FakeClock) -> CorrectionService:
    return CorrectionService(sessions, clock)


@pytest.fixture
def stats(sessions: SessionFactory, clock: FakeClock) -> StatsService:
    return StatsService(sessions, clock, "Asia/Shanghai")


def ranked(*scores: tuple[str, float]) -> NluResult:
    return NluResult(*scores[0], tuple(IntentScore(n, c) for n, c in scores))


async def file_through_intake(
    intake: IntakeService, text: str, nlu: NluResult | NluUnavailable, choice: str
):
    """A buyer describes, picks `choice`, skips every detail and files (a day after the
    previous filing, so that it is no duplicate)."""
    intake._clock.advance(hours=25)
    prompt = await intake.describe(BUYER, text, nlu)
    token = prompt.draft.token
    await intake.choose_category(BUYER, token, choice)
    await intake.choose_platform(BUYER, token, None)
    await intake.choose_order(BUYER, token, use_detected=False)
    await intake.give_shop(BUYER, None, token=token)
    await intake.choose_outcome(BUYER, token, None)
    await intake.finish_evidence(BUYER, token)
    return (await intake.submit(BUYER, token)).ticket


async def test_a_ticket_keeps_the_first_guess_whatever_the_buyer_chose(intake) -> None:
    unsure = ranked(("nlu_fallback", 0.3), ("delivery", 0.28), ("billing", 0.25), ("account", 0.2))
    ticket = await file_through_intake(intake, "钱扣了两次,货也没到", unsure, "billing")
    assert (ticket.model_category, ticket.model_confidence) == ("delivery", 0.28)
    assert ticket.category == "billing" and ticket.category_confidence is None
    away = await file_through_intake(intake, "快递丢了", NluUnavailable("down"), "delivery")
    assert away.model_category is None and away.model_confidence is None


async def test_an_agent_changes_the_category_and_it_is_audited(
    intake, corrections: CorrectionService, tickets: TicketService, sessions, clock: FakeClock
) -> None:
    ticket = await file_through_intake(intake, "快递没到", ranked(("delivery", 0.9)), "delivery")
    clock.advance(hours=1)
    change = await corrections.change_category(
        ticket.number, "refund_return", AGENT, expected="delivery"
    )
    assert change.changed and change.before == "delivery"
    stored = await tickets.get(ticket.number)
    assert stored.category == "refund_return" and stored.model_category == "delivery"
    assert stored.category_corrected_at == clock()
    entry = (await audit_rows(sessions, ticket.id))[-1]
    assert (entry.action, entry.actor_id) == ("category", AGENT)
    assert entry.before == {"category": "delivery"}
    assert entry.after == {"category": "refund_return", "model_category": "delivery"}


async def test_a_stale_or_forged_choice_changes_nothing(
    intake, corrections: CorrectionService, tickets: TicketService, sessions
) -> None:
    ticket = await file_through_intake(intake, "快递没到", ranked(("delivery", 0.9)), "delivery")
    await corrections.change_category(ticket.number, "billing", AGENT, expected="delivery")
    with pytest.raises(CategoryChangedMeanwhile) as stale:  # a list opened before that change
        await corrections.change_category(ticket.number, "privacy", AGENT, expected="delivery")
    assert stale.value.ticket.category == "billing"
    with pytest.raises(UnknownCategory):
        await corrections.change_category(ticket.number, "drop_table", AGENT, expected="billing")
    same = await corrections.change_category(ticket.number, "billing", AGENT, expected="billing")
    assert not same.changed
    assert (await tickets.get(ticket.number)).category == "billing"
    assert [e.action for e in await audit_rows(sessions, ticket.id)] == ["filed", "category"]


async def test_corrected_and_decided_tickets_are_the_labelled_descriptions(
    intake, corrections: CorrectionService, sessions: SessionFactory
) -> None:
    sure = ranked(("delivery", 0.9))
    corrected = await file_through_intake(intake, "快递员把货放驿站不通知", sure, "delivery")
    await corrections.change_category(
        corrected.number, "customer_service", AGENT, expected="delivery"
    )
    decided = await file_through_intake(intake, "收到的杯子是碎的", sure, "product_quality")
    await force_status(sessions, decided.number, TicketStatus.RESOLVED)
    await file_through_intake(intake, "还没人看的投诉", sure, "delivery")  # open, uncorrected
    gone = await file_through_intake(intake, "已经匿名化的投诉", sure, "billing")
    await force_status(sessions, gone.number, TicketStatus.CLOSED)
    async with transaction(sessions) as session:
        await session.execute(
            update(Ticket)
            .where(Ticket.id == gone.id)
            .values(description=None, anonymised_at=datetime(2026, 11, 22, tzinfo=UTC))
        )
    labelled = await corrections.labelled_descriptions()
    assert [(d.number, d.category, d.corrected) for d in labelled] == [
        (corrected.number, "customer_service", True),
        (decided.number, "product_quality", False),
    ]
    assert labelled[0].description == "快递员把货放驿站不通知"


async def test_stats_show_how_often_the_first_guess_was_kept(
    intake, corrections: CorrectionService, stats: StatsService, clock: FakeClock
) -> None:
    sure = ranked(("delivery", 0.9))
    for text in ("快递没到", "快递丢件", "物流不动"):
        await file_through_intake(intake, text, sure, "delivery")
    moved = await file_through_intake(intake, "驿站乱收费", sure, "delivery")
    await corrections.change_category(moved.number, "billing", AGENT, expected="delivery")
    await file_through_intake(intake, "账号被封", ranked(("account", 0.8)), "privacy")  # buyer
    await file_through_intake(intake, "NLU 不在", NluUnavailable("down"), "billing")
    figures = await stats.first_guesses(30)
    assert (figures.kept, figures.counted) == (3, 5)
    assert figures.by_category == (("delivery", 3, 4), ("account", 0, 1))
    clock.advance(days=31)
    assert (await stats.first_guesses(30)).counted == 0
