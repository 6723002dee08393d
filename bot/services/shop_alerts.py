"""Alerts about a shop collecting many complaints: each shop at most once per ISO week."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete

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


class ShopAlertService:
    """Finds the shops over the threshold whose alert of this week is not sent yet.

    `claim` writes the alert's row first (a unique shop and week: with several processes only
    one wins); `release` takes it back when the group could not be told, so a later run
    tries again.
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

    async def claim_due(self) -> list[DueAlert]:
        """The alerts to send now, each already recorded as sent this week."""
        week = self._reports.week_of(self._clock())
        due = []
        for cluster in await self._reports.busy_shops(self.threshold):
            if await self._claim(cluster, week):
                tickets = tuple([await self._tickets.get(n) for n in cluster.numbers])
                due.append(DueAlert(cluster, week, tickets))
        return due

    async def release(self, alert: DueAlert) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(
                delete(ShopAlert).where(
                    ShopAlert.shop_key == alert.cluster.key, ShopAlert.week == alert.week
                )
            )

    async def _claim(self, cluster: ShopCluster, week: str) -> bool:
        async with transaction(self._sessions) as session:
            insert = dialect_insert(session)
            result = await session.execute(
                insert(ShopAlert)
                .values(shop_key=cluster.key, week=week, complaints=len(cluster.numbers),
                        sent_at=self._clock())
                .on_conflict_do_nothing(index_elements=["shop_key", "week"])
            )  # fmt: skip
            return result.rowcount == 1
