"""A long complaint is kept whole; only beyond four full Telegram messages is it cut, and
then the buyer is told."""

from __future__ import annotations

import pytest

from bot.nlu import NluUnavailable
from bot.services.intake import IntakeService
from bot.services.intake_draft import MAX_DESCRIPTION, Step
from bot.services.tickets import TicketService
from storage.db import SessionFactory
from tests.conftest import FakeClock
from tests.services.conftest import BUYER

pytestmark = pytest.mark.usefixtures("known")
DOWN = NluUnavailable("down")


@pytest.fixture
def intake(sessions: SessionFactory, tickets: TicketService, clock: FakeClock) -> IntakeService:
    return IntakeService(sessions, tickets, clock, confidence_threshold=0.55)


async def test_a_description_longer_than_one_message_is_kept_whole(intake: IntakeService):
    first, second = "杯子碎了。" * 1000, "包装也压坏了。" * 300  # 5,000 and 2,100 characters
    prompt = await intake.describe(BUYER, first, DOWN)
    assert prompt.draft.description == first and "common.too_long" not in prompt.notices
    prompt = await intake.continue_description(BUYER, second)
    assert prompt.step is Step.CATEGORY
    assert prompt.draft.description == f"{first}\n{second}"
    assert prompt.notices == ("intake.description_continued",)


async def test_beyond_the_limit_the_buyer_is_told_what_was_kept(intake: IntakeService):
    prompt = await intake.describe(BUYER, "很长的描述" * 5000, DOWN)
    assert len(prompt.draft.description) == MAX_DESCRIPTION
    assert "common.too_long" in prompt.notices
    prompt = await intake.continue_description(BUYER, "还有一句")
    assert len(prompt.draft.description) == MAX_DESCRIPTION
    assert prompt.notices == ("common.too_long",)
