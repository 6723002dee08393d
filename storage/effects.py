"""An update is marked done with its first effect, so no effect ever happens twice.

While the inbox dispatcher hands an update to the handlers it sets `handling(update_id)`.
The first effect marks the update done in the inbox: either the first transaction of the
handlers that changes a row (`transaction()` in storage/db.py calls `mark_done_with`, in
that same transaction), or, for a handler that only answers, the first Bot API call that
shows something (bot/telegram_request.py calls `before_visible_effect` just before it).
A process killed before the first effect re-runs the update from the start on its next
start (nothing has happened yet); one killed after it never applies the update twice.
Bookkeeping that is not the update's effect (recording a person on first contact) opts out
with `transaction(..., effect=False)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from storage.models import InboxUpdate

WROTE = "complaint_desk_wrote"


@dataclass
class Handling:
    update_id: int
    mark: Callable[[], Awaitable[None]] | None = None  # marks the update done on its own
    done: bool = False


_current: ContextVar[Handling | None] = ContextVar("complaint_desk_update", default=None)


@contextmanager
def handling(
    update_id: int, mark: Callable[[], Awaitable[None]] | None = None
) -> Iterator[Handling]:
    """Marks the code inside as the handling of `update_id`; `mark` marks it done."""
    state = Handling(update_id, mark)
    token = _current.set(state)
    try:
        yield state
    finally:
        _current.reset(token)


async def mark_done_with(session: AsyncSession) -> Handling | None:
    """In the caller's transaction: the update being handled is done, if this transaction
    changed anything and the update was not marked yet. Returns what to confirm after commit."""
    state = _current.get()
    if state is None or state.done:
        return None
    await session.flush()
    if not session.sync_session.info.pop(WROTE, False):
        return None
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id == state.update_id, InboxUpdate.done_at.is_(None))
        .values(done_at=datetime.now(UTC))
    )
    return state


async def before_visible_effect() -> None:
    """Just before the handlers show something to someone: the update is done from now."""
    state = _current.get()
    if state is None or state.done or state.mark is None:
        return
    await state.mark()
    state.done = True


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True
