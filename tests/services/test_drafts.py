"""Intake drafts: one per person, upserted, found again after a restart, and expired."""

from __future__ import annotations

import pytest

from bot.services.drafts import DraftService
from storage.db import SessionFactory, create_session_factory
from storage.errors import DraftNotFound
from tests.conftest import FakeClock
from tests.services.conftest import BUYER, OTHER_BUYER

pytestmark = pytest.mark.usefixtures("known")


async def test_saving_twice_keeps_one_draft_with_the_latest_step(
    drafts: DraftService, clock: FakeClock
) -> None:
    started = clock.now
    await drafts.save(BUYER, "describe", {"description": None})
    clock.advance(minutes=3)
    saved = await drafts.save(BUYER, "platform", {"description": "杯子碎了", "category": "x"})

    assert (saved.step, saved.data) == ("platform", {"description": "杯子碎了", "category": "x"})
    assert (saved.created_at, saved.updated_at) == (started, clock.now)
    assert await drafts.get(BUYER) == saved


async def test_a_draft_survives_a_new_process(
    drafts: DraftService, sessions: SessionFactory, clock: FakeClock
) -> None:
    await drafts.save(BUYER, "order", {"order_number": "4012345678901234567"})
    engine = sessions.kw["bind"]

    restarted = DraftService(create_session_factory(engine), clock=clock)

    assert (await restarted.get(BUYER)).data == {"order_number": "4012345678901234567"}


async def test_missing_drafts(drafts: DraftService) -> None:
    assert await drafts.find(BUYER) is None
    with pytest.raises(DraftNotFound):
        await drafts.get(BUYER)
    assert await drafts.delete(BUYER) is False


async def test_expired_drafts_are_listed_oldest_first(
    drafts: DraftService, clock: FakeClock
) -> None:
    await drafts.save(BUYER, "describe", {})
    clock.advance(hours=1)
    await drafts.save(OTHER_BUYER, "describe", {})
    clock.advance(hours=24)

    assert [draft.person_id for draft in await drafts.list_expired(24)] == [BUYER]
    assert [draft.person_id for draft in await drafts.list_expired(12)] == [BUYER, OTHER_BUYER]
    assert await drafts.list_expired(48) == []


async def test_delete_spares_a_draft_saved_after_it_was_found_expired(
    drafts: DraftService, clock: FakeClock
) -> None:
    await drafts.save(BUYER, "describe", {})
    clock.advance(hours=25)
    [expired] = await drafts.list_expired(24)
    clock.advance(minutes=1)
    await drafts.save(BUYER, "platform", {})  # the buyer came back meanwhile

    assert await drafts.delete(BUYER, unchanged_since=expired.updated_at) is False
    assert (await drafts.get(BUYER)).step == "platform"
    clock.advance(hours=25)
    [expired] = await drafts.list_expired(24)
    assert await drafts.delete(BUYER, unchanged_since=expired.updated_at) is True
    assert await drafts.find(BUYER) is None
