"""Tickets as a CSV file that spreadsheets open with the Chinese intact.

UTF-8 with a byte-order mark (Excel reads BOM-less CSV in the system's code page), one row per
ticket under a header row, every value quoted where the csv module must (commas, quotes and
line breaks in shop names and comments survive). Codes (category, platform, status, desired
resolution) stay codes, so the file sorts and filters the same in every language; times are
ISO 8601 with their offset, in the service's timezone.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime
from enum import Enum
from typing import TextIO

from bot.services.stats import ExportRow

HEADER = tuple(field.name for field in fields(ExportRow))
# Free text a buyer typed; a spreadsheet would run it as a formula if it began like one.
_FREE_TEXT = frozenset({"order_number", "shop", "shop_key", "rating_comment"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_csv(rows: Iterable[ExportRow], path_or_stream: str | os.PathLike[str] | TextIO) -> int:
    """Writes the header and one line per ticket; returns how many tickets were written.

    A path is created (or replaced) as UTF-8 with a BOM. A text stream gets the BOM as its
    first character, so it should be UTF-8 and opened with newline="".
    """
    if isinstance(path_or_stream, str | os.PathLike):
        with open(path_or_stream, "w", encoding="utf-8-sig", newline="") as stream:
            return _write(rows, stream)
    path_or_stream.write("\ufeff")
    return _write(rows, path_or_stream)


def _write(rows: Iterable[ExportRow], stream: TextIO) -> int:
    writer = csv.writer(stream)
    writer.writerow(HEADER)
    count = 0
    for row in rows:
        writer.writerow(_cell(name, getattr(row, name)) for name in HEADER)
        count += 1
    return count


def _cell(name: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, Enum):
        return str(value.value)
    text = str(value)
    if name in _FREE_TEXT and text.startswith(_FORMULA_START):
        return "'" + text
    return text
