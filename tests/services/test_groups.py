"""The agents' group link: one active group, who linked it and when, forum or not."""

from __future__ import annotations

from bot.services.groups import AgentGroupService
from tests.conftest import FakeClock
from tests.services.conftest import AGENT

GROUP, NEW_GROUP = -1001, -1002


async def test_linking_a_group_replaces_the_active_one(
    groups: AgentGroupService, clock: FakeClock
) -> None:
    assert await groups.active() is None

    first = await groups.link(GROUP, is_forum=False, title="Agents", linked_by=AGENT)
    clock.advance(days=1)
    second = await groups.link(NEW_GROUP, is_forum=True, title="Agents 2", linked_by=AGENT)

    assert (first.chat_id, first.is_forum, first.linked_by_id) == (GROUP, False, AGENT)
    assert await groups.active() == second
    assert (second.is_forum, second.linked_at) == (True, clock.now)


async def test_relinking_an_earlier_group_reactivates_it(groups: AgentGroupService) -> None:
    await groups.link(GROUP, is_forum=False, title="Agents", linked_by=AGENT)
    await groups.link(NEW_GROUP, is_forum=False, title="Other", linked_by=AGENT)

    again = await groups.link(GROUP, is_forum=True, title="Agents", linked_by=AGENT)

    assert again.is_active and again.is_forum
    assert await groups.active() == again


async def test_a_group_can_become_a_forum(groups: AgentGroupService) -> None:
    await groups.link(GROUP, is_forum=False, title="Agents", linked_by=AGENT)

    updated = await groups.set_forum(GROUP, True)

    assert updated is not None and updated.is_forum
    assert await groups.set_forum(NEW_GROUP, True) is None
