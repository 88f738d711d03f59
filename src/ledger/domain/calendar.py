"""Working days (工作日): shipped per-year calendars, published ones over them, weekdays elsewhere."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources

SHIPPED = "shipped"
PUBLISHED = "published"
WEEKDAYS_ONLY = "weekdays-only"
# The years whose calendars shipped before calendars became labelled facts (event versions
# that stored only "shipped" or "weekdays-only" were computed with these).
LEGACY_SHIPPED_YEARS = frozenset({2022, 2023})


@dataclass(frozen=True)
class YearCalendar:
    """Days off besides weekends, and weekend days that are worked, for one year."""

    year: int
    holidays: frozenset[date]
    makeup_days: frozenset[date]
    source: str = ""
    origin: str = SHIPPED
    position: int | None = None  # the publication's log position (None when shipped)
    recorded_at: datetime | None = None

    @property
    def label(self) -> str:
        """What a deadline computed with it says: `shipped:2026` or `published@POS`."""
        if self.origin == PUBLISHED:
            return f"{PUBLISHED}@{self.position}"
        return f"{SHIPPED}:{self.year}"


def day_range(first: date, last: date) -> list[date]:
    """Every day from first to last, inclusive."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@lru_cache(maxsize=1)
def shipped_calendars() -> dict[int, YearCalendar]:
    """The calendars that ship with the ledger, keyed by year."""
    raw = json.loads(resources.files("ledger.domain.data").joinpath("calendars.json").read_text())
    calendars = {}
    for year, spec in raw.items():
        holidays = frozenset(d for first, last in spec["holidays"]
                             for d in day_range(date.fromisoformat(first),
                                                date.fromisoformat(last)))
        makeup = frozenset(date.fromisoformat(d) for d in spec["makeup_working_days"])
        calendars[int(year)] = YearCalendar(int(year), holidays, makeup, spec.get("source", ""))
    return calendars


class WorkingCalendar:
    """The calendars in use: shipped ones, each overridden by the latest published for its year."""

    def __init__(self, published: Mapping[int, YearCalendar] | None = None) -> None:
        self.years: dict[int, YearCalendar] = {**shipped_calendars(), **(published or {})}

    def for_year(self, year: int) -> YearCalendar | None:
        """The calendar in use for `year`, or None when it counts weekdays only."""
        return self.years.get(year)

    def is_working_day(self, day: date) -> bool:
        """Monday–Friday minus holidays, plus make-up working days."""
        cal = self.years.get(day.year)
        if cal is not None:
            if day in cal.makeup_days:
                return True
            if day in cal.holidays:
                return False
        return day.weekday() < 5

    def working_days_after(self, start: date, n: int) -> date:
        """The n-th working day strictly after `start`."""
        if n < 1:
            raise ValueError("n must be at least 1")
        day, counted = start, 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def basis_between(self, start: date, end: date) -> str:
        """Which calendar a count from `start` (exclusive) to `end` used.

        `weekdays-only` when any year it crossed had no calendar; else the label of each
        year's calendar (`shipped:2026`, `published@57`), joined by `+` across a new year.
        """
        first = start + timedelta(days=1) if end > start else start
        labels = []
        for year in range(first.year, end.year + 1):
            cal = self.years.get(year)
            if cal is None:
                return WEEKDAYS_ONLY
            labels.append(cal.label)
        return "+".join(labels)


SHIPPED_ONLY = WorkingCalendar()


def calendar_basis(year: int) -> str:
    """`shipped` when the year has a shipped calendar, else `weekdays-only`."""
    return SHIPPED if year in shipped_calendars() else WEEKDAYS_ONLY


def is_working_day(day: date) -> bool:
    """A working day by the shipped calendars alone."""
    return SHIPPED_ONLY.is_working_day(day)


def working_days_after(start: date, n: int) -> date:
    """The n-th working day strictly after `start`, by the shipped calendars alone."""
    return SHIPPED_ONLY.working_days_after(start, n)


def basis_between(start: date, end: date) -> str:
    """The label of the shipped calendars a count from start to end used."""
    return SHIPPED_ONLY.basis_between(start, end)


def legacy_basis(start: date, end: date) -> str:
    """The basis an event written before 2024–2026 shipped stored: `shipped` or `weekdays-only`."""
    years = range(start.year, end.year + 1)
    return SHIPPED if all(y in LEGACY_SHIPPED_YEARS for y in years) else WEEKDAYS_ONLY
