"""Ticket numbers: local filing date, a per-day sequence, normalised input."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from storage.db import SessionFactory, transaction
from storage.numbering import (
    NUMBER_PATTERN,
    filing_day,
    format_number,
    next_number,
    normalise_number,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_format_pads_to_four_digits_and_grows_beyond() -> None:
    assert format_number(date(2026, 11, 21), 42) == "TS-20261121-0042"
    assert format_number(date(2026, 11, 21), 12345) == "TS-20261121-12345"
    assert NUMBER_PATTERN.fullmatch("TS-20261121-12345")


def test_filing_day_is_the_local_date() -> None:
    evening_utc = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)  # 01:30 on the 21st in Shanghai

    assert filing_day(evening_utc, SHANGHAI) == date(2026, 11, 21)
    assert filing_day(evening_utc, ZoneInfo("UTC")) == date(2026, 11, 20)


def test_typed_numbers_are_normalised() -> None:
    assert normalise_number("  ts-20261121-0042\n") == "TS-20261121-0042"


async def test_sequence_counts_per_day_and_restarts_the_next_day(sessions: SessionFactory) -> None:
    day_one = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    day_two = datetime(2026, 11, 21, 16, 30, tzinfo=UTC)  # 00:30 on the 22nd in Shanghai

    numbers = []
    for moment in (day_one, day_one, day_one, day_two, day_one):
        async with transaction(sessions) as session:
            numbers.append(await next_number(session, moment, SHANGHAI))

    assert numbers == [
        "TS-20261121-0001",
        "TS-20261121-0002",
        "TS-20261121-0003",
        "TS-20261122-0001",
        "TS-20261121-0004",
    ]


async def test_a_rolled_back_filing_does_not_consume_a_number(sessions: SessionFactory) -> None:
    moment = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    try:
        async with transaction(sessions) as session:
            await next_number(session, moment, SHANGHAI)
            raise RuntimeError("filing failed")
    except RuntimeError:
        pass

    async with transaction(sessions) as session:
        assert await next_number(session, moment, SHANGHAI) == "TS-20261121-0001"
