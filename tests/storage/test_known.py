"""Queues followed in memory beside their table (storage/known.py)."""

from __future__ import annotations

from storage.known import KnownQueues


def test_a_queue_is_known_once_read_to_its_end_and_followed_after() -> None:
    known: KnownQueues[str, int] = KnownQueues(lambda row: row)
    assert known.head("a") == (False, None)
    known.reading("a")
    known.read("a", [1])
    known.queued("a", [2])
    assert known.head("a") == (True, 1)
    known.taken("a", 1)
    assert known.head("a") == (True, 2)
    known.taken("a", 2)
    assert known.head("a") == (True, None) and known.empty("a")


def test_a_row_added_while_the_queue_was_read_leaves_it_unknown() -> None:
    """The read may have missed the row (committed after it), whose memory came before the
    read ended: what was read is not all, so nothing is remembered."""
    known: KnownQueues[str, int] = KnownQueues(lambda row: row)
    known.reading("a")
    known.queued("a", [7])
    known.read("a", [])
    assert known.head("a") == (False, None)
    known.reading("a")  # the next read is believed again
    known.read("a", [7])
    assert known.head("a") == (True, 7)


def test_a_row_taken_that_is_not_the_head_sends_the_queue_back_to_the_table() -> None:
    known: KnownQueues[str, int] = KnownQueues(lambda row: row)
    known.reading("a")
    known.read("a", [1, 2])
    known.taken("a", 2)
    assert known.head("a") == (False, None)


def test_the_least_recently_used_queue_is_forgotten() -> None:
    known: KnownQueues[str, int] = KnownQueues(lambda row: row, max_queues=2)
    for key in ("a", "b", "c"):
        known.reading(key)
        known.read(key, [])
    assert [known.head(key)[0] for key in ("a", "b", "c")] == [False, True, True]
