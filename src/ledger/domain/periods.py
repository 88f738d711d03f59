"""Months, years and moments as a request names them: what is usable, written once for every edge."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

FIRST_YEAR, LAST_YEAR = 1900, 2999
MONTH = re.compile(r"(19|2\d)\d\d-(0[1-9]|1[0-2])\Z", re.ASCII)  # years 1900-2999, like the years
YEAR = re.compile(r"(19|2\d)\d\d\Z", re.ASCII)
MAX_POSITION = 2**62
CHINA = ZoneInfo("Asia/Shanghai")


def month_problem(value: object) -> str | None:
    """Why `value` is not a month YYYY-MM (1900-01 to 2999-12), or None."""
    if isinstance(value, str) and value.isascii() and MONTH.match(value):
        return None
    return f"must be a month YYYY-MM between 1900-01 and 2999-12, got {value!r}"


def year_problem(value: object) -> str | None:
    """Why `value` is not a year YYYY (1900 to 2999), or None."""
    text = str(value)
    if text.isascii() and YEAR.match(text):
        return None
    return f"must be a year YYYY between {FIRST_YEAR} and {LAST_YEAR}, got {text!r}"


def moment_problem(value: datetime) -> str | None:
    """Why a timestamp cannot be an as-of moment, or None.

    It must be a real instant in UTC and in China Standard Time (the ledger's civil dates):
    0001-01-01T00:00:00+14:00 lies before year 1 in UTC, 9999-12-31T23:59:59Z after 9999 in China.
    """
    try:
        value.astimezone(UTC)
        value.astimezone(CHINA)
    except (OverflowError, ValueError):
        return ("must be a moment between 0001-01-01 and 9999-12-31 in both UTC and China "
                f"Standard Time, got {value.isoformat()}")
    return None
