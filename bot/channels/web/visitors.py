"""Web visitors: no account, a private secret instead. The secret is the visitor's resume
link and cookie; only its SHA-256 hash is stored, so the database alone opens nothing."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.services.clock import Clock
from storage.db import SessionFactory, transaction
from storage.models import Person, WebVisitor

CHANNEL = "web"
SECRET_BYTES = 32  # 256 bits from the operating system's generator
ID_SPACE = 2**47  # web visitors get negative ids, apart from Telegram's positive user ids


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class NewVisitor:
    person_id: int
    secret: str  # shown once, never stored


class VisitorService:
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions, self._clock = sessions, clock

    async def create(self, language: str | None) -> NewVisitor:
        """A new person on the web channel, with a fresh secret."""
        for _ in range(5):
            person_id = -(secrets.randbelow(ID_SPACE) + 1)
            public = secrets.token_hex(8)
            secret = secrets.token_urlsafe(SECRET_BYTES)
            now = self._clock()
            try:
                async with transaction(self._sessions) as session:
                    session.add(
                        Person(
                            id=person_id,
                            display_name=f"web-{public[:6]}",
                            language=language,
                            is_blocked=False,
                            channel=CHANNEL,
                            external_id=public,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    await session.flush()
                    session.add(
                        WebVisitor(
                            person_id=person_id,
                            secret_hash=hash_secret(secret),
                            created_at=now,
                            renewed_at=now,
                        )
                    )
            except IntegrityError:
                continue  # an id drawn twice: draw again
            return NewVisitor(person_id, secret)
        raise RuntimeError("could not draw a free visitor id")

    async def find(self, secret: str | None) -> int | None:
        """The visitor the secret belongs to; None for a forged, revoked or missing one."""
        if not secret or len(secret) > 128:
            return None
        async with transaction(self._sessions, read_only=True) as session:
            found = await session.scalar(
                select(WebVisitor.person_id).where(WebVisitor.secret_hash == hash_secret(secret))
            )
        return found

    async def renew(self, person_id: int) -> str:
        """Revokes the visitor's link and gives a new one: the old secret opens nothing now."""
        secret = secrets.token_urlsafe(SECRET_BYTES)
        async with transaction(self._sessions) as session:
            visitor = await session.get_one(WebVisitor, person_id, with_for_update=True)
            visitor.secret_hash = hash_secret(secret)
            visitor.renewed_at = self._clock()
        return secret
