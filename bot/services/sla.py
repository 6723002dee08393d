"""SLA due times: first review, start of investigation and result, counted from a start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class SlaHours:
    """Hours allowed for each step; escalated tickets get half."""

    accept: float = 24
    investigate: float = 48
    resolve: float = 72

    def halved(self) -> SlaHours:
        """The tighter SLA of an escalated ticket."""
        return SlaHours(self.accept / 2, self.investigate / 2, self.resolve / 2)


@dataclass(frozen=True)
class DueTimes:
    """When each step falls due."""

    accept: datetime
    investigate: datetime
    resolve: datetime


def due_times(start: datetime, hours: SlaHours) -> DueTimes:
    """The due times of a ticket whose clock starts at `start`."""
    return DueTimes(
        accept=start + timedelta(hours=hours.accept),
        investigate=start + timedelta(hours=hours.investigate),
        resolve=start + timedelta(hours=hours.resolve),
    )
