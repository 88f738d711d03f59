"""Working days (工作日) from the shipped per-year calendars, weekdays-only elsewhere."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources

SHIPPED = "shipped"
WEEKDAYS_ONLY = "weekdays-only"


@dataclass(frozen=True)
class YearCalendar:
    """Days off besides weekends, and weekend days that are worked, for one year."""

    year: int
    holidays: frozenset[date]
    makeup_days: frozenset[date]


@lru_cache(maxsize=1)
def shipped_calendars() -> dict[int, YearCalendar]:
    """The calendars that ship with the ledger, keyed by year."""
    raw = json.loads(resources.files("ledger.domain.data").joinpath("calendars.json").read_text())
    calendars = {}
    for year, spec in raw.items():
        holidays: set[date] = set()
        for first, last in spec["holidays"]:
            day, end = date.fromisoformat(first), date.fromisoformat(last)
            while day <= end:
                holidays.add(day)
                day += timedelta(days=1)
        makeup = frozenset(date.fromisoformat(d) for d in spec["makeup_working_days"])
        calendars[int(year)] = YearCalendar(int(year), frozenset(holidays), makeup)
    return calendars


def calendar_basis(year: int) -> str:
    """`shipped` when the year has a shipped calendar, else `weekdays-only`."""
    return SHIPPED if year in shipped_calendars() else WEEKDAYS_ONLY


def is_working_day(day: date) -> bool:
    """Monday–Friday minus holidays, plus make-up working days."""
    cal = shipped_calendars().get(day.year)
    if cal is not None:
        if day in cal.makeup_days:
            return True
        if day in cal.holidays:
            return False
    return day.weekday() < 5


def working_days_after(start: date, n: int) -> date:
    """The n-th working day strictly after `start`."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def basis_between(start: date, end: date) -> str:
    """`weekdays-only` if any year from start to end lacks a shipped calendar."""
    years = range(start.year, end.year + 1)
    return SHIPPED if all(calendar_basis(y) == SHIPPED for y in years) else WEEKDAYS_ONLY
