"""People use cases: knowing who writes, their chosen language, and blocking."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock, utc_now
from bot.services.records import PersonRecord
from storage import repositories as repo
from storage.db import SessionFactory, dialect_insert, transaction
from storage.errors import PersonNotFound
from storage.models import Person


class PeopleService:
    """The people the bot knows; each method is one transaction."""

    def __init__(self, sessions: SessionFactory, *, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    async def get_or_create(
        self, user_id: int, display_name: str | None = None, language: str | None = None
    ) -> PersonRecord:
        """The person, created on first contact; a new display name replaces the old one.

        `language` only seeds a new person; set_language changes it later.
        """
        async with transaction(self._sessions, read_only=True) as session:
            person = await session.get(Person, user_id)
            if person is not None and display_name in (None, person.display_name):
                return PersonRecord.of(person)
        now = self._clock()
        # Recording who writes is not the effect of their update (storage/effects.py).
        async with transaction(self._sessions, effect=False) as session:
            insert = dialect_insert(session)(Person).values(
                id=user_id,
                display_name=display_name,
                language=language,
                is_blocked=False,
                channel="telegram",
                external_id=str(user_id),
                created_at=now,
                updated_at=now,
            )
            await session.execute(insert.on_conflict_do_nothing(index_elements=[Person.id]))
            person = await session.get_one(Person, user_id)
            if display_name is not None and person.display_name != display_name:
                person.display_name = display_name
                person.updated_at = now
            return PersonRecord.of(person)

    async def get(self, user_id: int) -> PersonRecord:
        """The person, or PersonNotFound."""
        async with transaction(self._sessions, read_only=True) as session:
            return PersonRecord.of(await _existing(session, user_id))

    async def set_language(self, user_id: int, language: str) -> PersonRecord:
        """Stores the language the person chose."""
        async with transaction(self._sessions) as session:
            person = await _existing(session, user_id)
            person.language = language
            person.updated_at = self._clock()
            return PersonRecord.of(person)

    async def block(self, user_id: int, reason: str, actor_id: int | None) -> PersonRecord:
        """Blocks the person from filing tickets and logs who did it and why."""
        return await self._set_blocked(user_id, True, reason, actor_id)

    async def unblock(self, user_id: int, actor_id: int | None) -> PersonRecord:
        """Lifts a block and logs it."""
        return await self._set_blocked(user_id, False, None, actor_id)

    async def _set_blocked(
        self, user_id: int, blocked: bool, reason: str | None, actor_id: int | None
    ) -> PersonRecord:
        now = self._clock()
        async with transaction(self._sessions) as session:
            person = await _existing(session, user_id)
            before = {"is_blocked": person.is_blocked, "reason": person.blocked_reason}
            person.is_blocked = blocked
            person.blocked_reason = reason
            person.updated_at = now
            repo.record_change(
                session,
                action="blocked" if blocked else "unblocked",
                at=now,
                actor_id=actor_id,
                person_id=user_id,
                before=before,
                after={"is_blocked": blocked, "reason": reason},
            )
            return PersonRecord.of(person)


async def _existing(session: AsyncSession, user_id: int) -> Person:
    person = await session.get(Person, user_id)
    if person is None:
        raise PersonNotFound(user_id)
    return person
