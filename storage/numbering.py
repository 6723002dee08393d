"""Ticket numbers: TS-<filing date in the local timezone>-<per-day sequence of 4+ digits>."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import dialect_insert
from storage.models import TicketCounter

PREFIX = "TS"
NUMBER_PATTERN = re.compile(r"TS-\d{8}-\d{4,}")


def filing_day(moment: datetime, timezone: ZoneInfo) -> date:
    """The calendar day of `moment` where the service runs."""
    return moment.astimezone(timezone).date()


def format_number(day: date, sequence: int) -> str:
    """TS-20261121-0042 for the 42nd ticket of 21 November 2026."""
    return f"{PREFIX}-{day:%Y%m%d}-{sequence:04d}"


def normalise_number(text: str) -> str:
    """A number as people type it ("ts-20261121-0042 ") in its stored form."""
    return text.strip().upper()


async def next_number(session: AsyncSession, moment: datetime, timezone: ZoneInfo) -> str:
    """Takes the next number of the filing day; the counter row stays locked until commit."""
    day = filing_day(moment, timezone)
    insert = dialect_insert(session)(TicketCounter).values(day=f"{day:%Y%m%d}", last_value=1)
    upsert = insert.on_conflict_do_update(
        index_elements=[TicketCounter.day],
        set_={"last_value": TicketCounter.last_value + 1},
    ).returning(TicketCounter.last_value)
    sequence = (await session.execute(upsert)).scalar_one()
    return format_number(day, sequence)
