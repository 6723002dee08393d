"""The agents' group: which Telegram group is linked, by whom, and whether it has topics."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock, utc_now
from bot.services.records import GroupRecord
from storage import repositories as repo
from storage.db import SessionFactory, transaction
from storage.models import AgentGroup


class AgentGroupService:
    """Links the agents' group; only one group is active at a time."""

    def __init__(self, sessions: SessionFactory, *, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    async def link(
        self, chat_id: int, *, is_forum: bool, title: str | None, linked_by: int | None
    ) -> GroupRecord:
        """Makes this group the active agents' group and logs who linked it."""
        now = self._clock()
        async with transaction(self._sessions) as session:
            previous = await _active(session)
            await session.execute(
                update(AgentGroup).where(AgentGroup.is_active).values(is_active=False),
                execution_options={"synchronize_session": False},
            )
            group = await session.get(AgentGroup, chat_id, populate_existing=True)
            if group is None:
                group = AgentGroup(chat_id=chat_id)
                session.add(group)
            group.title = title
            group.is_forum = is_forum
            group.is_active = True
            group.linked_by_id = linked_by
            group.linked_at = now
            repo.record_change(
                session,
                action="group_linked",
                at=now,
                actor_id=linked_by,
                before=None if previous is None else {"chat_id": previous.chat_id},
                after={"chat_id": chat_id, "is_forum": is_forum},
            )
            await session.flush()
            return GroupRecord.of(group)

    async def active(self) -> GroupRecord | None:
        """The linked agents' group, if any."""
        async with transaction(self._sessions, read_only=True) as session:
            group = await _active(session)
            return None if group is None else GroupRecord.of(group)

    async def unlink(self, chat_id: int, actor_id: int | None) -> bool:
        """Stops using this group for tickets; False when it was not the active one."""
        now = self._clock()
        async with transaction(self._sessions) as session:
            group = await session.get(AgentGroup, chat_id)
            if group is None or not group.is_active:
                return False
            group.is_active = False
            repo.record_change(
                session,
                action="group_unlinked",
                at=now,
                actor_id=actor_id,
                before={"chat_id": chat_id},
                after=None,
            )
            return True

    async def set_forum(self, chat_id: int, is_forum: bool) -> GroupRecord | None:
        """Records that the group gained or lost forum topics; None if it is not known."""
        async with transaction(self._sessions) as session:
            group = await session.get(AgentGroup, chat_id)
            if group is None:
                return None
            group.is_forum = is_forum
            return GroupRecord.of(group)


async def _active(session: AsyncSession) -> AgentGroup | None:
    query = select(AgentGroup).where(AgentGroup.is_active).order_by(AgentGroup.linked_at.desc())
    return (await session.execute(query)).scalars().first()
