"""Fold state: what the read models know of each agency, deduction and training session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledger.domain.agency import Secondment
from ledger.domain.scoring import DeductionFacts, deduction_status


@dataclass(slots=True)
class DisputeState:
    """A dispute as the read side knows it."""

    id: str
    grounds: str
    filed_on: date
    review_due: date
    filed_by: str
    position: int
    outcome: str | None = None
    points: Decimal | None = None
    reasoning: str | None = None
    decided_on: date | None = None
    decided_by: str | None = None
    calendar: str = "shipped"


@dataclass(slots=True)
class DeductionState:
    """A deduction and everything that has happened to it so far."""

    id: str
    agency: str
    rule_code: str
    rule_version: str
    base_points: Decimal
    serious: bool
    rectifiable: bool
    found_on: date
    notified_on: date
    reason: str
    project_ref: str | None
    evidence: dict | None
    rectification_due: date | None
    dispute_deadline: date
    calendar: str
    recorded_by: str
    recorded_at: datetime
    position: int
    withdrawn: bool = False
    withdrawal_reason: str | None = None
    rectified_on: date | None = None
    rectification_note: str | None = None
    dispute: DisputeState | None = None
    # Derived, kept until the fold changes this deduction (never stored: see codec.state_fields)
    _facts: DeductionFacts | None = field(default=None, repr=False, compare=False)
    _effect: Any = field(default=None, repr=False, compare=False)
    _stored: str | None = field(default=None, repr=False, compare=False)  # history_rows

    @property
    def month(self) -> str:
        return f"{self.found_on.year:04d}-{self.found_on.month:02d}"

    @property
    def status(self) -> str:
        dispute = self.dispute
        return deduction_status(self.withdrawn, dispute is not None,
                                dispute.outcome if dispute else None)

    def facts(self) -> DeductionFacts:
        """What scoring needs; kept until the fold changes this deduction (`forget`)."""
        kept = self._facts
        if kept is None:
            kept = self._facts = self._compute_facts()
        return kept

    def forget(self) -> None:
        """Drop what was derived from this deduction's state; the fold calls it on a change."""
        self._facts = self._effect = self._stored = None

    def _compute_facts(self) -> DeductionFacts:
        return DeductionFacts(
            id=self.id, rule_code=self.rule_code, base_points=self.base_points,
            serious=self.serious, rectifiable=self.rectifiable, found_on=self.found_on,
            rectification_due=self.rectification_due, status=self.status,
            reduced_points=self.dispute.points if self.dispute else None,
            rectified_on=self.rectified_on,
        )


# The read side knows a secondment exactly as the Agency aggregate does.
SecondmentState = Secondment


@dataclass(slots=True)
class AttendanceState:
    session_id: str
    kind: str
    held_on: date
    staff_ref: str
    staff_name: str


@dataclass(slots=True)
class RatingState:
    id: str
    rated_on: date
    purchaser: str
    project_ref: str
    rating: Decimal


@dataclass
class AgencyState:
    """One agency: registration and every fact about it the read models fold."""

    code: str
    aggregate_id: str
    name: str
    registered_on: date
    registered_at: datetime
    registered_by: str
    registered_position: int
    deregistered_on: date | None = None
    deregistration: dict | None = None  # {position, recorded_at, recorded_by}
    deductions: dict[str, DeductionState] = field(default_factory=dict)
    secondments: dict[str, SecondmentState] = field(default_factory=dict)
    ratings: list[RatingState] = field(default_factory=list)
    provincial: dict[int, Decimal] = field(default_factory=dict)
    attendance: list[AttendanceState] = field(default_factory=list)

    def add_deduction(self, d: DeductionState) -> None:
        """Add a deduction, keeping the month and code index up to date."""
        self.deductions[d.id] = d
        cached = self.__dict__.get("_by")
        if cached is not None and cached[0] == len(self.deductions) - 1:
            cached[1].setdefault(d.month, []).append(d)
            cached[2].setdefault(d.rule_code, []).append(d)
            self.__dict__["_by"] = (len(self.deductions), cached[1], cached[2])

    def deductions_in(self, month: str) -> list[DeductionState]:
        return list(self._index()[0].get(month, ()))

    def same_code(self, rule_code: str) -> list[DeductionState]:
        return list(self._index()[1].get(rule_code, ()))

    def _index(self) -> tuple[dict[str, list[DeductionState]], dict[str, list[DeductionState]]]:
        """Deductions by month and by code, in insertion order.

        Deductions are only ever added and their month and code never change, so the index
        stays valid while the number of deductions is unchanged.
        """
        cached = self.__dict__.get("_by")
        if cached is None or cached[0] != len(self.deductions):
            by_month: dict[str, list[DeductionState]] = {}
            by_code: dict[str, list[DeductionState]] = {}
            for d in self.deductions.values():
                by_month.setdefault(d.month, []).append(d)
                by_code.setdefault(d.rule_code, []).append(d)
            cached = self.__dict__["_by"] = (len(self.deductions), by_month, by_code)
        return cached[1], cached[2]


@dataclass
class SessionState:
    id: str
    kind: str
    held_on: date
    topic: str
    hours: Decimal
    recorded_at: datetime
    attendance: int = 0


@dataclass
class Publication:
    month: str
    revision: int
    published_on: date
    position: int
    recorded_at: datetime
    recorded_by: str
