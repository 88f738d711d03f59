"""The PublishedCalendars aggregate: years' working-day calendars a regulator recorded as facts."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.domain.base import LedgerCreated, LedgerEvent, ledger_id
from ledger.domain.errors import Conflicting, collect
from ledger.domain.text import NAME_LIMIT, text_problem

FIRST_YEAR = 2000


class CalendarsOpened(LedgerCreated):
    pass


class CalendarPublished(LedgerEvent):
    year: int
    holidays: list[date]
    makeup_days: list[date]
    source: str


def calendar_problems(year: int, holidays: list[date], makeup_days: list[date], source: object,
                      today: date) -> list[tuple[str, str | None]]:
    """Every rule a year's calendar breaks, field by field (empty when it is acceptable).

    What the description states (ranges, at least one day off, no day twice) is invalid input;
    a day outside the year, a make-up day on a weekday or on a day off conflicts (409)."""
    checks: list[tuple[str, str | None]] = [("source", text_problem(source, limit=NAME_LIMIT))]
    if not FIRST_YEAR <= year <= today.year + 1:
        # Before FIRST_YEAR is out of range; past next year conflicts with today's date only.
        problem = (f"must be between {FIRST_YEAR} and next year ({today.year + 1}), "
                   f"got {year}")
        checks.append(("year", problem if year < FIRST_YEAR else Conflicting(problem)))
        return checks
    if not holidays:
        checks.append(("holidays", "must list at least one day off"))
    for field, days in (("holidays", holidays), ("makeup_days", makeup_days)):
        outside = sorted(d.isoformat() for d in days if d.year != year)
        if outside:
            checks.append((field, Conflicting(f"must lie in {year}: {', '.join(outside)}")))
        twice = sorted(d.isoformat() for d, n in Counter(days).items() if n > 1)
        if twice:
            checks.append((field, f"lists a day more than once: {', '.join(twice)}"))
    weekdays = sorted(d.isoformat() for d in makeup_days if d.weekday() < 5)
    if weekdays:
        checks.append(("makeup_days", Conflicting(
            f"a make-up working day must be a Saturday or Sunday: {', '.join(weekdays)}")))
    both = sorted(d.isoformat() for d in set(holidays) & set(makeup_days))
    if both:
        checks.append(("holidays", Conflicting(
            f"a day off cannot also be a make-up working day: {', '.join(both)}")))
    return checks


class PublishedCalendars(Aggregate):
    """Every calendar published; for each year the latest is the one in use."""

    class_version = 1
    # The library subclasses these per aggregate; the public event name is the class name.
    CalendarsOpened = CalendarsOpened
    CalendarPublished = CalendarPublished

    @staticmethod
    def create_id(**_: Any):
        return ledger_id("calendars", "published")

    @event(CalendarsOpened)
    def __init__(self, recorded_by: str) -> None:
        self.latest: dict[int, dict] = {}  # year -> the calendar last published for it

    def publish(self, year: int, holidays: list[date], makeup_days: list[date], source: str,
                today: date, recorded_by: str) -> None:
        """Record a year's calendar; it supersedes any earlier one for that year."""
        # A calendar is announced ahead of its year: its days may lie after today.
        collect(*calendar_problems(year, holidays, makeup_days, source, today))
        self._publish(year=year, holidays=sorted(holidays), makeup_days=sorted(makeup_days),
                      source=source.strip(), recorded_by=recorded_by)

    @event(CalendarPublished)
    def _publish(self, year: int, holidays: list[date], makeup_days: list[date], source: str,
                 recorded_by: str) -> None:
        self.latest[year] = {"holidays": holidays, "makeup_days": makeup_days, "source": source}
