"""Ticket statuses and the one check of every status change.

Allowed transitions (anything else, a status to itself included, raises InvalidTransition):

    new               -> accepted, rejected
    accepted          -> investigating, waiting_for_buyer, rejected
    investigating     -> waiting_for_buyer, resolved, rejected, escalated
    waiting_for_buyer -> investigating, rejected
    resolved          -> closed, reopened, escalated
    rejected          -> closed, reopened, escalated
    closed            -> reopened
    reopened          -> accepted, investigating, rejected
    escalated         -> investigating, resolved, rejected

Why: the buyer's path is new -> accepted -> investigating <-> waiting_for_buyer -> resolved
-> closed. An agent may ask for details right after accepting, and may reject a ticket at
any point before it is resolved (an unanswered request for details included). An outcome
(resolved or rejected) can be reviewed again (reopened) or taken to a higher level
(escalated) at the buyer's request; an agent may also escalate while investigating. A
rejected ticket is closed like a resolved one ("rejected and closed"). Closed is final
except for a reopen on review. A reopened ticket is picked up again (accepted or
straight to investigating) or rejected; an escalated one is investigated again, or
decided at once (resolved or rejected).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from storage.errors import InvalidTransition


class TicketStatus(StrEnum):
    """Where a ticket is in its life."""

    NEW = "new"
    ACCEPTED = "accepted"
    INVESTIGATING = "investigating"
    WAITING_FOR_BUYER = "waiting_for_buyer"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    CLOSED = "closed"
    REOPENED = "reopened"
    ESCALATED = "escalated"


S = TicketStatus

TRANSITIONS: Mapping[TicketStatus, frozenset[TicketStatus]] = {
    S.NEW: frozenset({S.ACCEPTED, S.REJECTED}),
    S.ACCEPTED: frozenset({S.INVESTIGATING, S.WAITING_FOR_BUYER, S.REJECTED}),
    S.INVESTIGATING: frozenset({S.WAITING_FOR_BUYER, S.RESOLVED, S.REJECTED, S.ESCALATED}),
    S.WAITING_FOR_BUYER: frozenset({S.INVESTIGATING, S.REJECTED}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED, S.ESCALATED}),
    S.REJECTED: frozenset({S.CLOSED, S.REOPENED, S.ESCALATED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.ACCEPTED, S.INVESTIGATING, S.REJECTED}),
    S.ESCALATED: frozenset({S.INVESTIGATING, S.RESOLVED, S.REJECTED}),
}

# Statuses with an outcome; every other status is an open ticket.
DECIDED: frozenset[TicketStatus] = frozenset({S.RESOLVED, S.REJECTED, S.CLOSED})
OPEN: frozenset[TicketStatus] = frozenset(TicketStatus) - DECIDED
# Statuses whose outcome the buyer can rate.
RATEABLE: frozenset[TicketStatus] = DECIDED


def can_transition(current: TicketStatus, new: TicketStatus) -> bool:
    """Tells whether a ticket in `current` may move to `new`."""
    return new in TRANSITIONS[current]


def check_transition(current: TicketStatus, new: TicketStatus) -> None:
    """Raises InvalidTransition unless a ticket in `current` may move to `new`."""
    if not can_transition(current, new):
        raise InvalidTransition(current, new)
