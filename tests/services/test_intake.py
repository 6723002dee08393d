"""The intake state machine on both databases: each answer, its checks, and filing once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.nlu import NluResult, NluUnavailable
from bot.services.intake import IntakeService, NoDraft, StaleButton
from bot.services.intake_draft import MAX_EVIDENCE, Evidence, EvidenceRefused, Step
from bot.services.tickets import TicketService
from storage.db import SessionFactory
from storage.models import AttachmentKind
from tests.conftest import FakeClock
from tests.services.conftest import BUYER, OTHER_BUYER

pytestmark = pytest.mark.usefixtures("known")

QUALITY = NluResult(
    "product_quality",
    0.93,
    entities={"platform": "jd", "order_id": "4012345678901234567"},
)


def photo(n: int, size: int = 200_000) -> Evidence:
    return Evidence(AttachmentKind.PHOTO, f"photo-{n}", f"uniq-{n}", size, "image/jpeg")


@pytest.fixture
def intake(sessions: SessionFactory, tickets: TicketService, clock: FakeClock) -> IntakeService:
    return IntakeService(sessions, tickets, clock, confidence_threshold=0.55)


async def fill_to_summary(intake: IntakeService, person: int = BUYER) -> str:
    """Walks a whole intake with the model's proposals accepted; returns the draft token."""
    prompt = await intake.describe(person, "京东买的电水壶三天就坏了", QUALITY)
    token = prompt.draft.token
    await intake.choose_category(person, token, "product_quality")
    await intake.choose_platform(person, token, "jd")
    await intake.choose_order(person, token, use_detected=True)
    await intake.give_shop(person, "小家电旗舰店")
    await intake.choose_outcome(person, token, "refund")
    await intake.add_evidence(person, photo(1))
    prompt = await intake.finish_evidence(person, token)
    assert prompt.step is Step.SUMMARY
    return token


async def test_description_gets_the_models_proposal_and_entities(intake: IntakeService) -> None:
    prompt = await intake.describe(BUYER, "京东买的电水壶三天就坏了", QUALITY)
    assert prompt.step is Step.CATEGORY
    draft = prompt.draft
    assert (draft.suggested, draft.category_reason) == ("product_quality", "suggested")
    assert draft.detected_platform == "jd"
    assert draft.detected_order == "4012345678901234567"


@pytest.mark.parametrize(
    ("nlu", "reason"),
    [
        (NluUnavailable("ConnectError"), "unavailable"),
        (NluResult("delivery", 0.31), "low_confidence"),
        (NluResult("nlu_fallback", 0.9), "low_confidence"),
        (NluResult("greet", 0.99), "low_confidence"),
    ],
)
async def test_no_confident_category_means_the_full_list(intake, nlu, reason) -> None:
    prompt = await intake.describe(BUYER, "出问题了", nlu)
    assert prompt.step is Step.CATEGORY
    assert prompt.draft.suggested is None and prompt.draft.category_reason == reason


async def test_whole_path_files_one_ticket_with_everything(
    intake: IntakeService, tickets: TicketService
) -> None:
    token = await fill_to_summary(intake)
    filed = await intake.submit(BUYER, token)
    assert not filed.duplicate
    ticket = await tickets.get_for_owner(BUYER, filed.ticket.number)
    assert (ticket.category, ticket.platform, ticket.shop) == (
        "product_quality",
        "jd",
        "小家电旗舰店",
    )
    assert ticket.order_number == "4012345678901234567"
    assert ticket.desired_resolution == "refund"
    assert ticket.category_confidence == pytest.approx(0.93)
    assert [a.file_id for a in await tickets.list_attachments(ticket.number)] == ["photo-1"]
    assert await intake.current(BUYER) is None


async def test_second_tap_on_submit_shows_the_same_ticket(intake: IntakeService) -> None:
    token = await fill_to_summary(intake)
    first = await intake.submit(BUYER, token)
    second = await intake.submit(BUYER, token)
    assert second.duplicate and second.ticket.number == first.ticket.number


async def test_same_order_and_category_within_a_day_is_a_duplicate(
    intake: IntakeService, clock: FakeClock
) -> None:
    first = await intake.submit(BUYER, await fill_to_summary(intake))
    clock.advance(hours=5)
    again = await intake.submit(BUYER, await fill_to_summary(intake))
    assert again.duplicate and again.ticket.number == first.ticket.number
    clock.advance(hours=20)
    later = await intake.submit(BUYER, await fill_to_summary(intake))
    assert not later.duplicate and later.ticket.number != first.ticket.number


async def test_a_wrong_order_number_is_explained_and_asked_again(intake: IntakeService) -> None:
    token = (await intake.describe(BUYER, "快递丢了", NluResult("delivery", 0.9))).draft.token
    await intake.choose_category(BUYER, token, "delivery")
    await intake.choose_platform(BUYER, token, None)
    wrong = await intake.give_order(BUYER, "我不记得了")
    assert wrong.step is Step.ORDER and wrong.notices == ("intake.bad_order",)
    right = await intake.give_order(BUYER, " 2311 21-123456789012345 ")
    assert right.step is Step.SHOP and right.draft.order_number == "231121-123456789012345"


async def test_buttons_of_another_draft_or_step_are_stale(intake: IntakeService) -> None:
    token = (await intake.describe(BUYER, "假货", NluResult("counterfeit", 0.9))).draft.token
    with pytest.raises(StaleButton):
        await intake.choose_category(BUYER, "00000000", "counterfeit")
    with pytest.raises(StaleButton):
        await intake.choose_platform(BUYER, token, "taobao")  # still at the category step
    with pytest.raises(StaleButton):
        await intake.choose_category(OTHER_BUYER, token, "counterfeit")
    with pytest.raises(StaleButton):
        await intake.choose_category(BUYER, token, "not_a_category")
    with pytest.raises(NoDraft):
        await intake.give_order(OTHER_BUYER, "4012345678901234567")


async def test_evidence_limits_keep_what_was_received(intake: IntakeService) -> None:
    token = (await intake.describe(BUYER, "假货", NluResult("counterfeit", 0.9))).draft.token
    for answer in ("counterfeit",):
        await intake.choose_category(BUYER, token, answer)
    await intake.choose_platform(BUYER, token, "tmall")
    await intake.choose_order(BUYER, token, use_detected=False)
    await intake.give_shop(BUYER, None, token=token)
    await intake.choose_outcome(BUYER, token, None)
    big = await intake.add_evidence(BUYER, photo(0, size=21 * 2**20))
    assert big.refused is EvidenceRefused.TOO_BIG
    exe = Evidence(AttachmentKind.DOCUMENT, "f", "u", 1000, "application/octet-stream", "x.exe")
    assert (await intake.add_evidence(BUYER, exe)).refused is EvidenceRefused.UNSUPPORTED
    pdf = Evidence(AttachmentKind.DOCUMENT, "pdf", "updf", 1000, "application/pdf", "鉴定.pdf")
    assert (await intake.add_evidence(BUYER, pdf)).refused is None
    for n in range(1, MAX_EVIDENCE):
        assert (await intake.add_evidence(BUYER, photo(n))).refused is None
    extra = await intake.add_evidence(BUYER, photo(99))
    assert extra.refused is EvidenceRefused.TOO_MANY
    assert len(extra.draft.evidence) == MAX_EVIDENCE


async def test_editing_a_field_returns_to_the_summary(intake: IntakeService) -> None:
    token = await fill_to_summary(intake)
    prompt = await intake.edit(BUYER, token, Step.SHOP)
    assert prompt.step is Step.SHOP
    prompt = await intake.give_shop(BUYER, "另一家店")
    assert prompt.step is Step.SUMMARY and prompt.draft.shop == "另一家店"
    await intake.edit(BUYER, token, Step.DESCRIBE)
    prompt = await intake.describe(BUYER, "新的描述", NluUnavailable("down"))
    assert prompt.step is Step.SUMMARY
    assert prompt.draft.description == "新的描述" and prompt.draft.category == "product_quality"


async def test_personal_numbers_are_kept_with_a_warning(intake: IntakeService) -> None:
    prompt = await intake.describe(
        BUYER, "快递员打我电话13812345678骂人", NluResult("delivery", 0.9)
    )
    assert "intake.personal_data_warning" in prompt.notices
    assert "13812345678" in prompt.draft.description


async def test_idle_drafts_expire_after_a_day(intake: IntakeService, clock: FakeClock) -> None:
    await intake.describe(BUYER, "快递丢了", NluResult("delivery", 0.9))
    clock.advance(hours=23)
    await intake.describe(OTHER_BUYER, "lost parcel", NluResult("delivery", 0.9))
    assert await intake.expire(timedelta(hours=24)) == []
    clock.advance(hours=2)
    assert await intake.expire(timedelta(hours=24)) == [BUYER]
    assert await intake.current(BUYER) is None and await intake.current(OTHER_BUYER) is not None


async def test_discard_withdraws_the_draft(intake: IntakeService) -> None:
    await intake.begin(BUYER)
    assert await intake.discard(BUYER) is True
    assert await intake.discard(BUYER) is False
