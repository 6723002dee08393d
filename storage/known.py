"""What this process knows, without reading it back, of a queue-like table (the inbox's
updates not done per chat, the outbox's items not sent per key).

Where one process owns the database (SQLite), every row is written by it, so once it has
read a queue to its end it can follow the queue in memory: the rows it adds (after their
commit) are appended, the ones it finishes (after the commit) taken off. The next row, or
that there is none, is then found without a query. The table stays the durable record: a
restart starts from it, and a queue the periodic sweep finds pending in the table while
memory says it is empty (written by something else) is read again.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
MAX_QUEUES = 4096  # queues followed at once; the least recently used is forgotten (read again)


class KnownQueues(Generic[K, V]):
    """Per key, the pending rows in order, for the queues read to their end."""

    def __init__(self, id_of: Callable[[V], object], max_queues: int = MAX_QUEUES) -> None:
        self._queues: OrderedDict[K, deque[V]] = OrderedDict()
        self._max, self._id_of = max_queues, id_of
        self._reading: dict[K, int] = {}  # queues being read from the table, how many times
        self._stale: set[K] = set()  # added to while being read: what is read is not all

    def head(self, key: K) -> tuple[bool, V | None]:
        """(known, the oldest pending row or None)."""
        items = self._queues.get(key)
        if items is None:
            return False, None
        self._queues.move_to_end(key)
        return True, (items[0] if items else None)

    def reading(self, key: K) -> None:
        """The key is being read from the table; `read` or `unread` ends it."""
        self._reading[key] = self._reading.get(key, 0) + 1

    def unread(self, key: K) -> bool:
        """Ends a read; False when a row was added meanwhile (the read may not
        hold it: it was committed after the read, but its memory was not there yet)."""
        left = self._reading.pop(key, 1) - 1
        if left:
            self._reading[key] = left
        fresh = key not in self._stale
        if not left:
            self._stale.discard(key)
        return fresh

    def read(self, key: K, items: list[V]) -> None:
        """The table's pending rows of the key, all of them, as read since `reading`."""
        if not self.unread(key):
            self.forget(key)
            return
        self._queues[key] = deque(items)
        self._queues.move_to_end(key)
        while len(self._queues) > self._max:
            self._queues.popitem(last=False)

    def queued(self, key: K, items: list[V]) -> None:
        if key in self._reading:
            self._stale.add(key)
        known = self._queues.get(key)
        if known is not None:
            known.extend(items)

    def taken(self, key: K, item_id: object) -> None:
        """The head `item_id` is finished with (sent, done)."""
        known = self._queues.get(key)
        if known is None:
            return
        if known and self._id_of(known[0]) == item_id:
            known.popleft()
        else:  # not the head: memory and table disagree, the table is read again
            self.forget(key)

    def forget_item(self, item_id: object) -> None:
        """The queue whose head is `item_id` is read again (a row tried again later)."""
        for key, items in list(self._queues.items()):
            if items and self._id_of(items[0]) == item_id:
                self.forget(key)

    def forget(self, key: K) -> None:
        self._queues.pop(key, None)

    def empty(self, key: K) -> bool:
        known = self._queues.get(key)
        return known is not None and not known
