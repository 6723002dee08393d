"""People: created on first contact, renamed, their language chosen, blocked with a reason."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.services.people import PeopleService
from storage.db import SessionFactory, transaction
from storage.errors import PersonNotFound
from storage.models import AuditEntry
from tests.services.conftest import AGENT


async def test_get_or_create_creates_once_and_follows_renames(people: PeopleService) -> None:
    created = await people.get_or_create(42, "Li", "zh")
    same = await people.get_or_create(42)
    renamed = await people.get_or_create(42, "Li Wei", "en")

    assert created == same
    assert (renamed.display_name, renamed.language, renamed.is_blocked) == ("Li Wei", "zh", False)
    assert await people.get(42) == renamed


async def test_language_is_the_persons_choice(people: PeopleService) -> None:
    await people.get_or_create(42, "Li", "zh")

    assert (await people.set_language(42, "en")).language == "en"
    with pytest.raises(PersonNotFound):
        await people.set_language(43, "en")


async def test_blocking_keeps_the_reason_and_is_audited(
    people: PeopleService, sessions: SessionFactory
) -> None:
    await people.get_or_create(42, "Li")

    blocked = await people.block(42, "abusive messages", actor_id=AGENT)
    unblocked = await people.unblock(42, actor_id=AGENT)

    assert (blocked.is_blocked, blocked.blocked_reason) == (True, "abusive messages")
    assert (unblocked.is_blocked, unblocked.blocked_reason) == (False, None)
    async with transaction(sessions, read_only=True) as session:
        rows = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [(row.action, row.person_id, row.actor_id) for row in rows] == [
        ("blocked", 42, AGENT),
        ("unblocked", 42, AGENT),
    ]
