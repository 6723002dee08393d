"""Alerts about a shop collecting many complaints: each shop at most once per ISO week."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from bot.services.clock import Clock
from bot.services.records import TicketRecord
from bot.services.report import ReportService, ShopCluster
from bot.services.tickets import TicketService
from storage.db import SessionFactory, dialect_insert, transaction
from storage.models import ShopAlert


@dataclass(frozen=True, slots=True)
class DueAlert:
    cluster: ShopCluster
    week: str
    tickets: tuple[TicketRecord, ...]

    @property
    def key(self) -> str:
        """The alert's key in the outbox: one alert per shop and week (a shop's name is
        longer than a key may be: its digest stands for it)."""
        shop = hashlib.sha256(self.cluster.key.encode()).hexdigest()[:40]
        return f"shop-alert:{self.week}:{shop}"


class ShopAlertService:
    """Finds the shops over the threshold whose alert of this week is not sent yet.

    The alert is queued first (in the outbox, under a key of its shop and week, so queueing
    it twice queues it once), then `claim` writes the alert's row: a process killed between
    the two finds the alert still due and queues nothing new.
    """

    def __init__(
        self,
        sessions: SessionFactory,
        reports: ReportService,
        tickets: TicketService,
        clock: Clock,
        threshold: int,
    ) -> None:
        self._sessions, self._reports, self._tickets = sessions, reports, tickets
        self._clock, self.threshold = clock, threshold

    async def due(self) -> list[DueAlert]:
        """The alerts of this week not claimed yet."""
        week = self._reports.week_of(self._clock())
        async with transaction(self._sessions, read_only=True) as session:
            claimed = set(
                await session.scalars(select(ShopAlert.shop_key).where(ShopAlert.week == week))
            )
        due = []
        for cluster in await self._reports.busy_shops(self.threshold):
            if cluster.key not in claimed:
                tickets = tuple([await self._tickets.get(n) for n in cluster.numbers])
                due.append(DueAlert(cluster, week, tickets))
        return due

    async def claim(self, alert: DueAlert) -> bool:
        """Records the alert as sent this week; False when it was already."""
        async with transaction(self._sessions) as session:
            insert = dialect_insert(session)
            result = await session.execute(
                insert(ShopAlert)
                .values(shop_key=alert.cluster.key, week=alert.week,
                        complaints=len(alert.cluster.numbers), sent_at=self._clock())
                .on_conflict_do_nothing(index_elements=["shop_key", "week"])
            )  # fmt: skip
            return result.rowcount == 1
