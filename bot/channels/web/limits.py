"""Flood limits of the web chat: per visitor and per address, leaky buckets in memory."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

from aiolimiter import AsyncLimiter

MAX_TRACKED = 50_000


class Buckets:
    """`rate` events per `period` seconds for each key; a key over its rate is refused."""

    def __init__(self, rate: float, period: float) -> None:
        self.rate, self.period = rate, period
        self._buckets: OrderedDict[Hashable, AsyncLimiter] = OrderedDict()

    async def allow(self, key: Hashable) -> bool:
        bucket = self._buckets.pop(key, None) or AsyncLimiter(self.rate, self.period)
        self._buckets[key] = bucket  # most recently seen last
        if len(self._buckets) > MAX_TRACKED:
            self._buckets.popitem(last=False)
        if not bucket.has_capacity():
            return False
        await bucket.acquire()  # returns at once: capacity was just checked
        return True
