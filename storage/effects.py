"""What a crash in the middle of handling an update leaves, and how a restart goes on.

While the inbox dispatcher hands an update to the handlers it sets `handling(...)`. The
update's `effects_at` is stamped by its first effect: the first transaction of the handlers
that changes a row (in that same transaction: `transaction()` in storage/db.py calls
`mark_effects_with`), or the first Bot API call that shows something (just before it goes
out: bot/telegram_request.py calls `before_visible_effect`). `done_at` is stamped when the
handlers have finished. So after a crash:
- no `effects_at`: nothing happened yet; the update is handled again from the start;
- `effects_at` without `done_at`: it is not handled again (that would apply it twice); the
  person is shown where things stand instead (bot/handlers/recovery.py);
- `done_at`: it is never touched again.
Bookkeeping that is not the update's effect (recording a person on first contact) opts out
with `transaction(..., effect=False)`.

The replies to a buyer are the last thing a handler does: they are queued in the outbox in
the same transaction that stamps `done_at` (`finish_with`), so an update's replies are queued
exactly once, and an update interrupted before them is one whose replies are still due.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import event, func, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from storage.models import InboxUpdate

WROTE = "complaint_desk_wrote"


@dataclass
class Handling:
    update_id: int
    mark_effects: Callable[[], Awaitable[None]] | None = None  # stamps effects_at on its own
    effects: bool = False  # effects_at stamped and committed
    done: bool = False  # done_at stamped with its replies (finish_with), committed


_current: ContextVar[Handling | None] = ContextVar("complaint_desk_update", default=None)


@contextmanager
def handling(
    update_id: int, mark_effects: Callable[[], Awaitable[None]] | None = None
) -> Iterator[Handling]:
    """Marks the code inside as the handling of `update_id`."""
    state = Handling(update_id, mark_effects)
    token = _current.set(state)
    try:
        yield state
    finally:
        _current.reset(token)


async def mark_effects_with(session: AsyncSession) -> Handling | None:
    """In the caller's transaction: the update being handled has changed something, if this
    transaction did and nothing before it had. Returns what to confirm after commit."""
    state = _current.get()
    if state is None or state.effects:
        return None
    await session.flush()
    if not session.sync_session.info.pop(WROTE, False):
        return None
    # A Core statement on the transaction's connection: the ORM's bulk-update machinery
    # (identity-map sync, events) costs more than the stamp and is not needed for it.
    inbox = InboxUpdate.__table__
    connection = await session.connection()
    await connection.execute(
        update(inbox)
        .where(inbox.c.update_id == state.update_id, inbox.c.effects_at.is_(None))
        .values(effects_at=datetime.now(UTC))
    )
    return state


async def core_writer(session: AsyncSession) -> AsyncConnection:
    """The connection of the session's transaction, for Core statements that write (the ORM's
    bulk machinery costs more than a plain INSERT or UPDATE needs); what they write counts as
    an effect of the update being handled, as the ORM's writes do."""
    session.sync_session.info[WROTE] = True
    return await session.connection()


async def finish_with(session: AsyncSession) -> Handling | None:
    """In the caller's transaction: the update being handled is done (its effects too).
    Returns what to confirm after commit (`confirm_done`)."""
    state = _current.get()
    if state is None:
        return None
    now = datetime.now(UTC)
    inbox = InboxUpdate.__table__
    connection = await session.connection()
    await connection.execute(
        update(inbox)
        .where(inbox.c.update_id == state.update_id)
        .values(done_at=now, effects_at=func.coalesce(inbox.c.effects_at, now))
    )
    state.effects = True
    return state


def current_update() -> int | None:
    """The id of the update being handled (None: outside the inbox's handling)."""
    state = _current.get()
    return None if state is None else state.update_id


def confirm_done(state: Handling | None) -> None:
    """The transaction of `finish_with` has committed: the dispatcher need not stamp it."""
    if state is not None:
        state.done = True


async def before_visible_effect() -> None:
    """Just before the handlers show something to someone: the update has had an effect."""
    state = _current.get()
    if state is None or state.effects or state.mark_effects is None:
        return
    await state.mark_effects()
    state.effects = True


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True
