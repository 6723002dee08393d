"""The transition table: every pair of statuses is either allowed or refused."""

from __future__ import annotations

from itertools import product

import pytest

from storage.errors import InvalidTransition
from storage.lifecycle import TRANSITIONS, TicketStatus, can_transition, check_transition

S = TicketStatus
ALLOWED = {
    (S.NEW, S.ACCEPTED),
    (S.NEW, S.REJECTED),
    (S.ACCEPTED, S.INVESTIGATING),
    (S.ACCEPTED, S.WAITING_FOR_BUYER),
    (S.ACCEPTED, S.REJECTED),
    (S.INVESTIGATING, S.WAITING_FOR_BUYER),
    (S.INVESTIGATING, S.RESOLVED),
    (S.INVESTIGATING, S.REJECTED),
    (S.INVESTIGATING, S.ESCALATED),
    (S.WAITING_FOR_BUYER, S.INVESTIGATING),
    (S.WAITING_FOR_BUYER, S.REJECTED),
    (S.RESOLVED, S.CLOSED),
    (S.RESOLVED, S.REOPENED),
    (S.RESOLVED, S.ESCALATED),
    (S.REJECTED, S.CLOSED),
    (S.REJECTED, S.REOPENED),
    (S.REJECTED, S.ESCALATED),
    (S.CLOSED, S.REOPENED),
    (S.REOPENED, S.ACCEPTED),
    (S.REOPENED, S.INVESTIGATING),
    (S.REOPENED, S.REJECTED),
    (S.ESCALATED, S.INVESTIGATING),
    (S.ESCALATED, S.RESOLVED),
    (S.ESCALATED, S.REJECTED),
}
EVERY_PAIR = list(product(TicketStatus, TicketStatus))


@pytest.mark.parametrize(("current", "new"), EVERY_PAIR, ids=lambda s: s.value)
def test_check_transition_allows_exactly_the_table(current: S, new: S) -> None:
    if (current, new) in ALLOWED:
        check_transition(current, new)
        assert can_transition(current, new)
    else:
        with pytest.raises(InvalidTransition) as raised:
            check_transition(current, new)
        assert (raised.value.current, raised.value.new) == (current, new)
        assert not can_transition(current, new)


def test_table_matches_the_documented_pairs() -> None:
    table = {(current, new) for current, targets in TRANSITIONS.items() for new in targets}
    assert table == ALLOWED
    assert set(TRANSITIONS) == set(TicketStatus)


def test_closed_is_final_except_reopen() -> None:
    assert TRANSITIONS[S.CLOSED] == {S.REOPENED}


def test_every_status_is_reachable_from_new() -> None:
    seen, frontier = {S.NEW}, [S.NEW]
    while frontier:
        for new in TRANSITIONS[frontier.pop()]:
            if new not in seen:
                seen.add(new)
                frontier.append(new)
    assert seen == set(TicketStatus)
