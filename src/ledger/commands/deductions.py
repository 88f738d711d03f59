"""Deductions and what later happens to them: withdrawal, rectification, dispute."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from ledger.commands.base import Store, retrying
from ledger.domain.deduction import Deduction
from ledger.domain.errors import ConflictingInput, InvalidInput
from ledger.domain.filing import filing_date
from ledger.domain.principals import FILE_DISPUTE, RECORD, RESOLVE_DISPUTE, Principal, authorize
from ledger.unit_of_work import Recorded


def record_deduction(store: Store, by: Principal, code: str, rule_code: str, found_on: date,
                     reason: str, notified_on: date | None = None,
                     project_ref: str | None = None, evidence: dict | None = None,
                     deduction_id: UUID | None = None) -> Recorded:
    authorize(by, RECORD)
    agency = store.agency(code, read_only=True)  # only its registration is checked
    catalogue, calendar = store.rules_and_calendar()
    version = catalogue.version_on(found_on)
    if version is None:
        raise ConflictingInput.field(
            "found_on", f"no rule set version is in force on {found_on.isoformat()} "
            f"(the first takes effect {catalogue.versions[0].effective_from.isoformat()})")
    item = version.items.get(rule_code)
    if item is None:
        known = ", ".join(sorted(version.items))
        raise InvalidInput.field(
            "rule_code", f"unknown rule code {rule_code!r} in rule set {version.version}; "
            f"known codes: {known}")
    deduction = Deduction.record(code, item, version.version, found_on, notified_on, reason,
                                 project_ref, evidence, store.today(), by.name, deduction_id,
                                 calendar)
    agency.check_registered_on("found_on", found_on)
    return store.record(deduction, resource_id=str(deduction.id))


@retrying
def withdraw_deduction(store: Store, by: Principal, deduction_id: str, reason: str) -> Recorded:
    authorize(by, RECORD)
    deduction = store.deduction(deduction_id)
    deduction.withdraw(reason, by.name)
    return store.record(deduction, resource_id=deduction_id)


@retrying
def record_rectification(store: Store, by: Principal, deduction_id: str, completed_on: date,
                         note: str | None = None) -> Recorded:
    authorize(by, RECORD)
    deduction = store.deduction(deduction_id)
    deduction.rectify(completed_on, note, store.today(), by.name)
    return store.record(deduction, resource_id=deduction_id)


@retrying
def file_dispute(store: Store, by: Principal, deduction_id: str, grounds: str,
                 filed_on: date | None = None) -> Recorded:
    authorize(by, FILE_DISPUTE)
    deduction = store.deduction(deduction_id)
    authorize(by, FILE_DISPUTE, deduction.agency)
    today = store.today()
    dispute_id = deduction.file_dispute(grounds, filing_date(by, filed_on, today), today,
                                        by.name, store.working_calendar())
    return store.record(deduction, resource_id=str(dispute_id), deduction_id=deduction_id)


@retrying
def resolve_dispute(store: Store, by: Principal, dispute_id: str, outcome: str, reasoning: str,
                    decided_on: date, points: Decimal | None = None) -> Recorded:
    authorize(by, RESOLVE_DISPUTE)
    deduction = store.deduction_of_dispute(dispute_id)
    deduction.resolve_dispute(outcome, points, reasoning, decided_on, store.today(), by.name)
    return store.record(deduction, resource_id=dispute_id, deduction_id=str(deduction.id))
