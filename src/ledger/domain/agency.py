"""The Agency aggregate: registration, deregistration, secondments, ratings, provincial scores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.domain.base import (
    LedgerCreated, LedgerEvent, hundredths, ledger_id, name_check, not_after_today, text_check,
    within,
)
from ledger.domain.credit_code import credit_code_problem
from ledger.domain.errors import Conflicting, RuleViolation, collect


class AgencyRegistered(LedgerCreated):
    credit_code: str
    name: str
    registered_on: date


class AgencyDeregistered(LedgerEvent):
    deregistered_on: date
    reason: str | None


class SecondmentStarted(LedgerEvent):
    secondment_id: str
    staff_ref: str
    staff_name: str
    department: str
    started_on: date


class SecondmentCompleted(LedgerEvent):
    secondment_id: str
    ended_on: date


class PurchaserRatingRecorded(LedgerEvent):
    rating_id: str
    rated_on: date
    purchaser: str
    project_ref: str
    rating: Decimal


class ProvincialEvaluationRecorded(LedgerEvent):
    year: int
    score: Decimal


@dataclass
class Secondment:
    """A member of staff seconded into the supervision office (跟班锻炼)."""

    id: str
    staff_ref: str
    staff_name: str
    department: str
    started_on: date
    ended_on: date | None = None

    def overlaps(self, start: date, end: date | None) -> bool:
        """An ongoing secondment extends indefinitely."""
        mine_end, other_end = self.ended_on or date.max, end or date.max
        return self.started_on <= other_end and start <= mine_end


class Agency(Aggregate):
    """A procurement agency (政府采购代理机构), identified by its credit code."""

    class_version = 1
    # The library subclasses these per aggregate; the public event name is the class name.
    AgencyRegistered = AgencyRegistered
    AgencyDeregistered = AgencyDeregistered
    SecondmentStarted = SecondmentStarted
    SecondmentCompleted = SecondmentCompleted
    PurchaserRatingRecorded = PurchaserRatingRecorded
    ProvincialEvaluationRecorded = ProvincialEvaluationRecorded

    @staticmethod
    def create_id(credit_code: str, **_: Any):
        return ledger_id("agency", credit_code)

    @classmethod
    def register(cls, credit_code: str, name: str, registered_on: date, today: date,
                 recorded_by: str) -> "Agency":
        """Check and record a registration."""
        collect(
            ("credit_code", credit_code_problem(credit_code)),
            name_check("name", name),
            not_after_today("registered_on", registered_on, today),
        )
        return cls(credit_code=credit_code, name=name.strip(), registered_on=registered_on,
                   recorded_by=recorded_by)

    @event(AgencyRegistered)
    def __init__(self, credit_code: str, name: str, registered_on: date, recorded_by: str):
        self.credit_code = credit_code
        self.name = name
        self.registered_on = registered_on
        self.deregistered_on: date | None = None
        self.secondments: dict[str, Secondment] = {}
        self.rating_count = 0
        self.provincial: dict[int, Decimal] = {}

    def registered_on_day(self, day: date) -> bool:
        """True if the agency was registered on `day`."""
        if day < self.registered_on:
            return False
        return self.deregistered_on is None or day <= self.deregistered_on

    def check_registered_on(self, field: str, day: date) -> None:
        if not self.registered_on_day(day):
            until = f" to {self.deregistered_on}" if self.deregistered_on else ""
            raise RuleViolation(
                f"Agency {self.credit_code} was not registered on {field} {day.isoformat()}: "
                f"it is registered from {self.registered_on}{until}."
            )

    def deregister(self, deregistered_on: date, reason: str | None, today: date,
                   recorded_by: str) -> None:
        collect(not_after_today("deregistered_on", deregistered_on, today),
                text_check("reason", reason, required=False))
        if self.deregistered_on is not None:
            raise RuleViolation(
                f"Agency {self.credit_code} was already deregistered on {self.deregistered_on}."
            )
        if deregistered_on < self.registered_on:
            collect(("deregistered_on",
                     Conflicting(f"must not be before registered_on "
                                 f"({self.registered_on.isoformat()})")))
        self._deregister(deregistered_on=deregistered_on, reason=reason, recorded_by=recorded_by)

    @event(AgencyDeregistered)
    def _deregister(self, deregistered_on: date, reason: str | None, recorded_by: str) -> None:
        self.deregistered_on = deregistered_on

    def start_secondment(self, staff_ref: str, staff_name: str, department: str,
                         started_on: date, today: date, recorded_by: str) -> str:
        collect(name_check("staff_ref", staff_ref), name_check("staff_name", staff_name),
                name_check("department", department),
                not_after_today("started_on", started_on, today))
        self.check_registered_on("started_on", started_on)
        self.check_no_overlap(staff_ref, started_on, None, exclude=None)
        secondment_id = f"{self.credit_code}-S{len(self.secondments) + 1}"
        self._start_secondment(secondment_id=secondment_id, staff_ref=staff_ref,
                               staff_name=staff_name, department=department,
                               started_on=started_on, recorded_by=recorded_by)
        return secondment_id

    def check_no_overlap(self, staff_ref: str, start: date, end: date | None,
                         exclude: str | None) -> None:
        for s in self.secondments.values():
            if s.staff_ref == staff_ref and s.id != exclude and s.overlaps(start, end):
                until = s.ended_on.isoformat() if s.ended_on else "ongoing"
                raise RuleViolation(
                    f"Staff {staff_ref} of agency {self.credit_code} already has secondment "
                    f"{s.id} from {s.started_on} ({until}); one person cannot have two "
                    "overlapping secondments."
                )

    @event(SecondmentStarted)
    def _start_secondment(self, secondment_id: str, staff_ref: str, staff_name: str,
                          department: str, started_on: date, recorded_by: str) -> None:
        self.secondments[secondment_id] = Secondment(
            secondment_id, staff_ref, staff_name, department, started_on)

    def complete_secondment(self, secondment_id: str, ended_on: date, today: date,
                            recorded_by: str) -> None:
        secondment = self.secondments[secondment_id]
        collect(not_after_today("ended_on", ended_on, today))
        if secondment.ended_on is not None:
            raise RuleViolation(
                f"Secondment {secondment_id} was already completed on {secondment.ended_on}.")
        if ended_on < secondment.started_on:
            collect(("ended_on",
                     Conflicting(f"must not be before started_on "
                                 f"({secondment.started_on.isoformat()})")))
        self.check_no_overlap(secondment.staff_ref, secondment.started_on, ended_on,
                              exclude=secondment_id)
        self._complete_secondment(secondment_id=secondment_id, ended_on=ended_on,
                                  recorded_by=recorded_by)

    @event(SecondmentCompleted)
    def _complete_secondment(self, secondment_id: str, ended_on: date, recorded_by: str) -> None:
        self.secondments[secondment_id].ended_on = ended_on

    def record_rating(self, rated_on: date, purchaser: str, project_ref: str, rating: Decimal,
                      today: date, recorded_by: str) -> str:
        collect(not_after_today("rated_on", rated_on, today), name_check("purchaser", purchaser),
                name_check("project_ref", project_ref), within("rating", rating, 0, 100),
                hundredths("rating", rating))
        self.check_registered_on("rated_on", rated_on)
        rating_id = f"{self.credit_code}-R{self.rating_count + 1}"
        self._record_rating(rating_id=rating_id, rated_on=rated_on, purchaser=purchaser,
                            project_ref=project_ref, rating=rating, recorded_by=recorded_by)
        return rating_id

    @event(PurchaserRatingRecorded)
    def _record_rating(self, rating_id: str, rated_on: date, purchaser: str, project_ref: str,
                       rating: Decimal, recorded_by: str) -> None:
        self.rating_count += 1

    def record_provincial(self, year: int, score: Decimal, today: date, recorded_by: str) -> None:
        """Record the province's score for a year; a later record supersedes the earlier."""
        collect(
            ("year", None if 2000 <= year <= today.year
             else f"must be a year from 2000 to {today.year}, got {year}" if year < 2000
             else Conflicting(f"must be a year from 2000 to {today.year}, got {year}")),
            within("score", score, 0, 100),
            hundredths("score", score),
        )
        if year < self.registered_on.year:
            raise RuleViolation(
                f"Agency {self.credit_code} was registered on {self.registered_on}; "
                f"it has no provincial evaluation for {year}.")
        self._record_provincial(year=year, score=score, recorded_by=recorded_by)

    @event(ProvincialEvaluationRecorded)
    def _record_provincial(self, year: int, score: Decimal, recorded_by: str) -> None:
        self.provincial[year] = score
