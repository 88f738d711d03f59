"""Deductions and what later happens to them: withdrawal, rectification, dispute."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID
from typing import TYPE_CHECKING

from ledger.domain.deduction import Deduction
from ledger.domain.errors import ConflictingInput, InvalidInput
from ledger.domain.filing import filing_date
from ledger.domain.principals import FILE_DISPUTE, RECORD, RESOLVE_DISPUTE, Principal, authorize

if TYPE_CHECKING:
    from ledger.application import Recorded


class DeductionCommands:
    """Commands of the Ledger: deductions and what later happens to them: withdrawal, rectification, dispute."""

    def record_deduction(self, by: Principal, code: str, rule_code: str, found_on: date,
                         reason: str, notified_on: date | None = None,
                         project_ref: str | None = None, evidence: dict | None = None,
                         deduction_id: UUID | None = None) -> Recorded:
        authorize(by, RECORD)
        agency = self.agency(code)
        catalogue = self.catalogue()
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
                                     project_ref, evidence, self.today(), by.name, deduction_id,
                                     self.working_calendar())
        agency.check_registered_on("found_on", found_on)
        return self._commit(deduction, resource_id=str(deduction.id))

    def withdraw_deduction(self, by: Principal, deduction_id: str, reason: str) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            deduction = self.deduction(deduction_id)
            deduction.withdraw(reason, by.name)
            return self._commit(deduction, resource_id=deduction_id)
        return self._retrying(attempt)

    def record_rectification(self, by: Principal, deduction_id: str, completed_on: date,
                             note: str | None = None) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            deduction = self.deduction(deduction_id)
            deduction.rectify(completed_on, note, self.today(), by.name)
            return self._commit(deduction, resource_id=deduction_id)
        return self._retrying(attempt)

    def file_dispute(self, by: Principal, deduction_id: str, grounds: str,
                     filed_on: date | None = None) -> Recorded:
        authorize(by, FILE_DISPUTE)

        def attempt() -> Recorded:
            deduction = self.deduction(deduction_id)
            authorize(by, FILE_DISPUTE, deduction.agency)
            today = self.today()
            dispute_id = deduction.file_dispute(grounds, filing_date(by, filed_on, today), today,
                                                by.name, self.working_calendar())
            return self._commit(deduction, resource_id=str(dispute_id),
                                deduction_id=deduction_id)
        return self._retrying(attempt)

    def resolve_dispute(self, by: Principal, dispute_id: str, outcome: str, reasoning: str,
                        decided_on: date, points: Decimal | None = None) -> Recorded:
        authorize(by, RESOLVE_DISPUTE)

        def attempt() -> Recorded:
            deduction = self.deduction_of_dispute(dispute_id)
            deduction.resolve_dispute(outcome, points, reasoning, decided_on, self.today(),
                                      by.name)
            return self._commit(deduction, resource_id=dispute_id,
                                deduction_id=str(deduction.id))
        return self._retrying(attempt)
