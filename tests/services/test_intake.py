"""The intake state machine on both databases: each answer, its checks, and filing once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.nlu import IntentScore, NluResult, NluUnavailable
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
    prompt = await intake.choose_category(person, token, "product_quality")
    assert prompt.step is Step.SHOP  # the platform and the order came with the description
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


def ranked(*scores: tuple[str, float], **entities: str) -> NluResult:
    """A parse whose ranking is `scores`, best first, as Rasa sends it."""
    name, confidence = scores[0]
    ranking = tuple(IntentScore(n, c) for n, c in scores)
    return NluResult(name, confidence, ranking, entities=dict(entities))


UNSURE = ranked(
    ("nlu_fallback", 0.3), ("product_quality", 0.29), ("not_as_described", 0.26),
    ("refund_return", 0.2), ("delivery", 0.1), ("greet", 0.05),
)  # fmt: skip


async def test_an_informative_ranking_offers_its_three_best_categories(intake) -> None:
    prompt = await intake.describe(BUYER, "收到的东西和图片不一样,还有点坏", UNSURE)
    draft = prompt.draft
    assert prompt.step is Step.CATEGORY and draft.category_reason == "shortlist"
    assert draft.shortlist == ["product_quality", "not_as_described", "refund_return"]
    assert draft.suggested is None
    assert (draft.model_guess, draft.model_confidence) == ("product_quality", 0.29)
    prompt = await intake.choose_category(BUYER, draft.token, "not_as_described")
    assert prompt.step is Step.PLATFORM and prompt.draft.category == "not_as_described"


@pytest.mark.parametrize(
    "nlu",
    [
        # spread over many categories: the best three hold only 0.36
        ranked(("billing", 0.14), ("account", 0.12), ("privacy", 0.1), ("delivery", 0.09)),
        # only two categories in the ranking
        ranked(("nlu_fallback", 0.3), ("delivery", 0.4), ("billing", 0.35), ("faq", 0.2)),
        # the model thinks it is no complaint at all
        ranked(("faq", 0.7), ("delivery", 0.1), ("billing", 0.08), ("account", 0.05)),
    ],
)
async def test_an_uninformative_ranking_shows_the_whole_list(intake, nlu) -> None:
    prompt = await intake.describe(BUYER, "有个问题", nlu)
    assert prompt.draft.category_reason == "low_confidence" and prompt.draft.shortlist == []


async def test_the_shortlist_needs_the_configured_confidence(
    sessions: SessionFactory, tickets: TicketService, clock: FakeClock
) -> None:
    strict = IntakeService(sessions, tickets, clock, 0.55, shortlist_min_confidence=0.9)
    prompt = await strict.describe(BUYER, "收到的东西和图片不一样,还有点坏", UNSURE)
    assert prompt.draft.category_reason == "low_confidence"


async def test_a_confident_proposal_wins_over_the_shortlist(intake: IntakeService) -> None:
    nlu = ranked(("delivery", 0.8), ("billing", 0.1), ("account", 0.05), ("privacy", 0.05))
    prompt = await intake.describe(BUYER, "快递一直没到", nlu)
    assert prompt.draft.category_reason == "suggested" and prompt.draft.shortlist == []
    assert (prompt.draft.model_guess, prompt.draft.model_confidence) == ("delivery", 0.8)


EVERYTHING = ranked(
    ("refund_return", 0.9), ("delivery", 0.05),
    platform="tmall", order_id="4012345678901234567", shop="天猫的美的官方旗舰店",
    outcome="refund",
)  # fmt: skip


async def test_what_the_description_says_is_not_asked_again(
    intake: IntakeService, tickets: TicketService
) -> None:
    prompt = await intake.describe(BUYER, "天猫美的官方旗舰店不给退款", EVERYTHING)
    assert sorted(prompt.draft.prefilled) == ["order", "outcome", "platform", "shop"]
    prompt = await intake.choose_category(BUYER, prompt.draft.token, "refund_return")
    assert prompt.step is Step.EVIDENCE  # platform, order, shop and outcome all skipped
    prompt = await intake.finish_evidence(BUYER, prompt.draft.token)
    draft = prompt.draft
    assert prompt.step is Step.SUMMARY
    assert (draft.platform, draft.order_number, draft.shop, draft.outcome) == (
        "tmall", "4012345678901234567", "美的官方旗舰店", "refund",
    )  # fmt: skip
    ticket = (await intake.submit(BUYER, draft.token)).ticket
    assert (ticket.platform, ticket.shop, ticket.desired_resolution) == (
        "tmall", "美的官方旗舰店", "refund",
    )  # fmt: skip


async def test_a_prefilled_answer_can_still_be_changed_from_the_summary(intake) -> None:
    prompt = await intake.describe(BUYER, "天猫美的官方旗舰店不给退款", EVERYTHING)
    token = prompt.draft.token
    await intake.choose_category(BUYER, token, "refund_return")
    await intake.finish_evidence(BUYER, token)
    prompt = await intake.edit(BUYER, token, Step.OUTCOME)
    assert prompt.step is Step.OUTCOME
    prompt = await intake.choose_outcome(BUYER, token, "compensation")
    assert prompt.step is Step.SUMMARY and prompt.draft.outcome == "compensation"
    assert "outcome" not in prompt.draft.prefilled  # now the buyer's own answer
    assert "shop" in prompt.draft.prefilled


@pytest.mark.parametrize(
    ("entities", "asked"),
    [
        ({"platform": "amazon"}, Step.PLATFORM),  # not one of the platforms
        ({"order_id": "12"}, Step.PLATFORM),
        ({"platform": "jd", "order_id": "12"}, Step.ORDER),  # too short for an order number
        ({"platform": "jd", "shop": "官方旗舰店"}, Step.ORDER),  # no name left
        ({"platform": "jd", "outcome": "free_phone"}, Step.ORDER),
    ],
)
async def test_unusable_entities_leave_the_question(intake, entities, asked) -> None:
    nlu = ranked(("delivery", 0.9), **entities)
    prompt = await intake.describe(BUYER, "快递", nlu)
    prompt = await intake.choose_category(BUYER, prompt.draft.token, "delivery")
    assert prompt.step is asked
    if asked is Step.ORDER:
        prompt = await intake.choose_order(BUYER, prompt.draft.token, use_detected=False)
        assert prompt.step is Step.SHOP
        prompt = await intake.give_shop(BUYER, None, token=prompt.draft.token)
        assert prompt.step is Step.OUTCOME


async def test_nlu_away_leaves_no_first_guess(intake: IntakeService) -> None:
    prompt = await intake.describe(BUYER, "快递", NluUnavailable("down"))
    assert prompt.draft.model_guess is None and prompt.draft.model_confidence is None
