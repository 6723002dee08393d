"""What follows a message once it has reached the buyer (or could not), by kind.

An outbox item carries only data: `after` (run with the message id it got) and
`if_undelivered` (run with the error), each `{"kind": ..., **arguments}`. The worker that
sends the item, in whichever process, runs the function registered for the kind, so the
follow-up happens on delivery and survives a restart between queueing and sending.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

Followup = dict[str, Any]
Action = Callable[..., Awaitable[None]]


def followup(kind: str, **arguments: Any) -> Followup:
    return {"kind": kind, **arguments}


class Followups:
    """The registry: `on(kind, action)`; `run(spec, value)` calls `action(value, **args)`."""

    def __init__(self) -> None:
        self._actions: dict[str, Action] = {}

    def on(self, kind: str, action: Action) -> None:
        if kind in self._actions:
            raise ValueError(f"a follow-up {kind!r} is registered already")
        self._actions[kind] = action

    async def run(self, spec: Followup | None, value: Any) -> None:
        if not spec:
            return
        arguments = dict(spec)
        kind = arguments.pop("kind")
        action = self._actions.get(kind)
        if action is None:
            log.error("No follow-up %r is registered; %s skipped", kind, arguments)
            return
        await action(value, **arguments)
