"""The Month aggregate: publications (revisions) of one assessment month."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.domain.base import LedgerCreated, LedgerEvent, ledger_id, not_after_today
from ledger.domain.errors import Conflicting, collect
from ledger.domain.scoring import month_bounds


class MonthPublished(LedgerCreated):
    """The first publication (revision 1) of a month."""

    month: str
    revision: int
    published_on: date


class MonthRepublished(LedgerEvent):
    """A later publication (revision 2, 3, …); the latest is the published basis."""

    month: str
    revision: int
    published_on: date


def check_publishable(month: str, published_on: date, today: date) -> None:
    """A month is published after it has ended, and not on a day after today."""
    _, last = month_bounds(month)
    collect(
        not_after_today("published_on", published_on, today),
        ("published_on", None if published_on > last
         else Conflicting(f"must be after the month has ended ({last.isoformat()})")),
    )


class Month(Aggregate):
    """An assessment month (月考核), as far as publication is concerned."""

    class_version = 1
    # The library subclasses these per aggregate; the public event name is the class name.
    MonthPublished = MonthPublished
    MonthRepublished = MonthRepublished

    @staticmethod
    def create_id(month: str, **_: Any):
        return ledger_id("month", month)

    @classmethod
    def publish_first(cls, month: str, published_on: date, today: date,
                      recorded_by: str) -> "Month":
        check_publishable(month, published_on, today)
        return cls(month=month, revision=1, published_on=published_on, recorded_by=recorded_by)

    @event(MonthPublished)
    def __init__(self, month: str, revision: int, published_on: date, recorded_by: str) -> None:
        self.month = month
        self.revisions: list[date] = [published_on]

    @property
    def revision(self) -> int:
        return len(self.revisions)

    def republish(self, published_on: date, today: date, recorded_by: str) -> int:
        check_publishable(self.month, published_on, today)
        self._republish(month=self.month, revision=self.revision + 1, published_on=published_on,
                        recorded_by=recorded_by)
        return self.revision

    @event(MonthRepublished)
    def _republish(self, month: str, revision: int, published_on: date, recorded_by: str) -> None:
        self.revisions.append(published_on)
