"""The Deduction aggregate: a deduction and everything that later happens to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.base import (
    LedgerCreated, LedgerEvent, evidence_check, name_check, not_after_today, text_check,
)
from ledger.domain.calendar import SHIPPED_ONLY, WorkingCalendar, legacy_basis
from ledger.domain.catalogue import RuleItem
from ledger.domain.errors import Conflicting, NotPermitted, RuleViolation, collect
from ledger.domain.scoring import DeductionFacts, deduction_status, on_time

RECTIFY_DAYS, RECTIFY_DAYS_SERIOUS = 10, 20
DISPUTE_WINDOW_DAYS, REVIEW_DAYS = 5, 10
OUTCOMES = ("upheld", "overturned", "reduced")
# A deduction takes at most one dispute ever, so the dispute's id is derived from the
# deduction's by a fixed reversible mapping: no index is needed to find one from the other.
# The mask leaves the UUID version and variant bits alone.
DISPUTE_ID_MASK = 0x5D15_7E00_0000_0000_0000_0000_D15B_07ED


def dispute_id_for(deduction_id: UUID) -> UUID:
    return UUID(int=deduction_id.int ^ DISPUTE_ID_MASK)


def deduction_id_for(dispute_id: UUID) -> UUID:
    return UUID(int=dispute_id.int ^ DISPUTE_ID_MASK)


class DeductionRecorded(LedgerCreated):
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


class DeductionWithdrawn(LedgerEvent):
    reason: str


class RectificationRecorded(LedgerEvent):
    completed_on: date
    note: str | None
    on_time: bool


class DisputeFiled(LedgerEvent):
    class_version = 2
    dispute_id: UUID
    grounds: str
    filed_on: date
    review_due: date
    calendar: str  # the calendar that fixed review_due (since version 2)

    @staticmethod
    def upcast_v1_v2(state: dict) -> None:
        """Version 1 did not say which calendar fixed review_due: the 2022/2023 ones or none."""
        state["calendar"] = legacy_basis(state["filed_on"], state["review_due"])


class DisputeResolved(LedgerEvent):
    outcome: str
    points: Decimal | None
    reasoning: str
    decided_on: date


@dataclass
class Dispute:
    """An agency's dispute (陈述申辩/复核) of a deduction."""

    id: UUID
    grounds: str
    filed_on: date
    review_due: date
    filed_by: str
    outcome: str | None = None
    points: Decimal | None = None
    reasoning: str | None = None
    decided_on: date | None = None
    decided_by: str | None = None

    @property
    def status(self) -> str:
        return self.outcome or "open"


class Deduction(Aggregate):
    """A deduction (扣分) recorded against an agency for one catalogue item."""

    class_version = 1
    # The library subclasses these per aggregate; the public event name is the class name.
    DeductionRecorded = DeductionRecorded
    DeductionWithdrawn = DeductionWithdrawn
    RectificationRecorded = RectificationRecorded
    DisputeFiled = DisputeFiled
    DisputeResolved = DisputeResolved

    @classmethod
    def record(cls, agency: str, item: RuleItem, rule_version: str, found_on: date,
               notified_on: date | None, reason: str, project_ref: str | None,
               evidence: dict | None, today: date, recorded_by: str,
               id: UUID | None = None,  # noqa: A002 - eventsourcing's name
               calendar: WorkingCalendar = SHIPPED_ONLY) -> "Deduction":
        """Check and record a deduction; deadlines are fixed from the calendar in use now.

        `id` is given by an import, derived from the row (ledger.imports.identity); else new.
        """
        notified = notified_on or found_on
        collect(
            not_after_today("found_on", found_on, today),
            not_after_today("notified_on", notified_on, today),
            ("notified_on", None if notified >= found_on
             else Conflicting(f"must not be before found_on ({found_on.isoformat()})")),
            text_check("reason", reason),
            name_check("project_ref", project_ref, required=False),
            evidence_check("evidence", evidence),
        )
        due = None
        if item.rectifiable:
            days = RECTIFY_DAYS_SERIOUS if item.serious else RECTIFY_DAYS
            due = calendar.working_days_after(notified, days)
        deadline = calendar.working_days_after(notified, DISPUTE_WINDOW_DAYS)
        # _create is eventsourcing's way to give a created event an id of the caller's choice.
        return cls._create(
            cls.DeductionRecorded, id=id,
            agency=agency, rule_code=item.code, rule_version=rule_version,
            base_points=item.points, serious=item.serious, rectifiable=item.rectifiable,
            found_on=found_on, notified_on=notified, reason=reason.strip(),
            project_ref=project_ref, evidence=evidence, rectification_due=due,
            dispute_deadline=deadline,
            calendar=calendar.basis_between(notified, max(due or deadline, deadline)),
            recorded_by=recorded_by,
        )

    @event(DeductionRecorded)
    def __init__(self, agency: str, rule_code: str, rule_version: str, base_points: Decimal,
                 serious: bool, rectifiable: bool, found_on: date, notified_on: date,
                 reason: str, project_ref: str | None, evidence: dict | None,
                 rectification_due: date | None, dispute_deadline: date, calendar: str,
                 recorded_by: str) -> None:
        self.agency = agency
        self.rule_code = rule_code
        self.rule_version = rule_version
        self.base_points = base_points
        self.serious = serious
        self.rectifiable = rectifiable
        self.found_on = found_on
        self.notified_on = notified_on
        self.reason = reason
        self.project_ref = project_ref
        self.evidence = evidence
        self.rectification_due = rectification_due
        self.dispute_deadline = dispute_deadline
        self.calendar = calendar
        self.recorded_by = recorded_by
        self.withdrawn = False
        self.withdrawal_reason: str | None = None
        self.rectified_on: date | None = None
        self.rectification_note: str | None = None
        self.dispute: Dispute | None = None

    @property
    def month(self) -> str:
        return self.found_on.strftime("%Y-%m")

    @property
    def status(self) -> str:
        dispute = self.dispute
        return deduction_status(self.withdrawn, dispute is not None,
                                dispute.outcome if dispute else None)

    def facts(self) -> DeductionFacts:
        """The facts the scoring rules need."""
        return DeductionFacts(
            id=str(self.id), rule_code=self.rule_code, base_points=self.base_points,
            serious=self.serious, rectifiable=self.rectifiable, found_on=self.found_on,
            rectification_due=self.rectification_due, status=self.status,
            reduced_points=self.dispute.points if self.dispute else None,
            rectified_on=self.rectified_on,
        )

    def withdraw(self, reason: str, recorded_by: str) -> None:
        collect(text_check("reason", reason))
        if self.withdrawn:
            raise RuleViolation(f"Deduction {self.id} was already withdrawn; a withdrawal is final.")
        self._withdraw(reason=reason.strip(), recorded_by=recorded_by)

    @event(DeductionWithdrawn)
    def _withdraw(self, reason: str, recorded_by: str) -> None:
        self.withdrawn = True
        self.withdrawal_reason = reason

    def rectify(self, completed_on: date, note: str | None, today: date, recorded_by: str) -> None:
        collect(
            text_check("note", note, required=False),
            not_after_today("completed_on", completed_on, today),
            ("completed_on", None if completed_on >= self.found_on
             else Conflicting(f"must not be before found_on ({self.found_on.isoformat()})")),
        )
        if not self.rectifiable:
            raise RuleViolation(f"{self.rule_code} deductions have no rectification.")
        if self.withdrawn:
            raise RuleViolation(f"Deduction {self.id} was withdrawn; it takes no rectification.")
        if self.rectified_on is not None:
            raise RuleViolation(
                f"Deduction {self.id} already has a rectification completed on "
                f"{self.rectified_on}; a deduction takes at most one.")
        assert self.rectification_due is not None
        self._rectify(completed_on=completed_on, note=note,
                      on_time=on_time(completed_on, self.rectification_due),
                      recorded_by=recorded_by)

    @event(RectificationRecorded)
    def _rectify(self, completed_on: date, note: str | None, on_time: bool,
                 recorded_by: str) -> None:
        self.rectified_on = completed_on
        self.rectification_note = note

    def file_dispute(self, grounds: str, filed_on: date, today: date, recorded_by: str,
                     calendar: WorkingCalendar = SHIPPED_ONLY) -> UUID:
        collect(text_check("grounds", grounds), not_after_today("filed_on", filed_on, today))
        if self.withdrawn:
            raise RuleViolation(f"Deduction {self.id} was withdrawn; it takes no dispute.")
        if self.dispute is not None:
            raise RuleViolation(
                f"Deduction {self.id} already has dispute {self.dispute.id} (filed "
                f"{self.dispute.filed_on}); a deduction takes at most one dispute, ever.")
        if filed_on < self.notified_on:
            raise RuleViolation(
                f"filed_on {filed_on} is before the deduction was notified on "
                f"{self.notified_on}; a dispute can be filed from {self.notified_on} to "
                f"{self.dispute_deadline}.")
        if filed_on > self.dispute_deadline:
            raise RuleViolation(
                f"The dispute window closed on {self.dispute_deadline} (5 working days after "
                f"notification on {self.notified_on}); filed_on {filed_on} is too late.")
        dispute_id = dispute_id_for(self.id)
        review_due = calendar.working_days_after(filed_on, REVIEW_DAYS)
        self._file_dispute(dispute_id=dispute_id, grounds=grounds.strip(), filed_on=filed_on,
                           review_due=review_due,
                           calendar=calendar.basis_between(filed_on, review_due),
                           recorded_by=recorded_by)
        return dispute_id

    @event(DisputeFiled)
    def _file_dispute(self, dispute_id: UUID, grounds: str, filed_on: date, review_due: date,
                      calendar: str, recorded_by: str) -> None:
        self.dispute = Dispute(dispute_id, grounds, filed_on, review_due, recorded_by)

    def resolve_dispute(self, outcome: str, points: Decimal | None, reasoning: str,
                        decided_on: date, today: date, recorded_by: str) -> None:
        assert self.dispute is not None
        filed_on = self.dispute.filed_on
        checks = [
            ("outcome", None if outcome in OUTCOMES else f"must be one of {', '.join(OUTCOMES)}"),
            text_check("reasoning", reasoning),
            not_after_today("decided_on", decided_on, today),
            ("decided_on", None if decided_on >= filed_on
             else Conflicting(f"must not be before filed_on ({filed_on.isoformat()})")),
        ]
        if outcome == "reduced":
            checks.append(("points", self.reduced_points_problem(points)))
        elif points is not None:
            checks.append(("points", "is only given with outcome 'reduced'"))
        collect(*checks)
        if recorded_by == self.recorded_by:
            raise NotPermitted(
                f"{recorded_by} recorded deduction {self.id} and may not review its dispute.")
        if self.dispute.outcome is not None:
            raise RuleViolation(
                f"Dispute {self.dispute.id} was already resolved ({self.dispute.outcome}) "
                f"on {self.dispute.decided_on}.")
        self._resolve_dispute(outcome=outcome, points=points, reasoning=reasoning.strip(),
                              decided_on=decided_on, recorded_by=recorded_by)

    def reduced_points_problem(self, points: Decimal | None) -> str | None:
        if points is None:
            return "is required when the outcome is 'reduced'"
        if not 0 < points < self.base_points:
            return f"must be more than 0 and less than the base points {self.base_points}"
        if (points * 2) % 1 != 0:
            return "must be a multiple of 0.5"
        return None

    @event(DisputeResolved)
    def _resolve_dispute(self, outcome: str, points: Decimal | None, reasoning: str,
                         decided_on: date, recorded_by: str) -> None:
        assert self.dispute is not None
        self.dispute.outcome = outcome
        self.dispute.points = points
        self.dispute.reasoning = reasoning
        self.dispute.decided_on = decided_on
        self.dispute.decided_by = recorded_by
