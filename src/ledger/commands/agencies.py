"""Registration, deregistration, secondments, ratings and provincial scores."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from eventsourcing.persistence import RecordConflictError

from ledger.domain.agency import Agency
from ledger.domain.errors import NotFound, RuleViolation
from ledger.domain.principals import RECORD, Principal, authorize

if TYPE_CHECKING:
    from ledger.application import Recorded


class AgencyCommands:
    """Commands of the Ledger: registration, deregistration, secondments, ratings and provincial scores."""

    def register_agency(self, by: Principal, credit_code: str, name: str,
                        registered_on: date) -> Recorded:
        authorize(by, RECORD)
        agency = Agency.register(credit_code, name, registered_on, self.today(), by.name)
        if self.exists(agency.id):
            raise RuleViolation(f"Agency {credit_code} is already registered.")
        try:
            return self._commit(agency, resource_id=credit_code)
        except RecordConflictError:
            raise RuleViolation(f"Agency {credit_code} is already registered.") from None

    def deregister_agency(self, by: Principal, code: str, deregistered_on: date,
                          reason: str | None = None) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            agency = self.agency(code)
            agency.deregister(deregistered_on, reason, self.today(), by.name)
            return self._commit(agency, resource_id=code)
        return self._retrying(attempt)

    def start_secondment(self, by: Principal, code: str, staff_ref: str, staff_name: str,
                         department: str, started_on: date) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            agency = self.agency(code)
            sid = agency.start_secondment(staff_ref, staff_name, department, started_on,
                                          self.today(), by.name)
            return self._commit(agency, resource_id=sid)
        return self._retrying(attempt)

    def complete_secondment(self, by: Principal, secondment_id: str, ended_on: date) -> Recorded:
        authorize(by, RECORD)
        code, sep, _ = secondment_id.rpartition("-S")

        def attempt() -> Recorded:
            try:
                agency = self.agency(code) if sep else None
            except NotFound:
                agency = None
            if agency is None or secondment_id not in agency.secondments:
                raise NotFound(f"No secondment {secondment_id}.")
            agency.complete_secondment(secondment_id, ended_on, self.today(), by.name)
            return self._commit(agency, resource_id=secondment_id)
        return self._retrying(attempt)

    def record_purchaser_rating(self, by: Principal, code: str, rated_on: date, purchaser: str,
                                project_ref: str, rating: Decimal) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            agency = self.agency(code)
            rid = agency.record_rating(rated_on, purchaser, project_ref, rating, self.today(),
                                       by.name)
            return self._commit(agency, resource_id=rid)
        return self._retrying(attempt)

    def record_provincial_evaluation(self, by: Principal, code: str, year: int,
                                     score: Decimal) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            agency = self.agency(code)
            agency.record_provincial(year, score, self.today(), by.name)
            return self._commit(agency, resource_id=f"{code}/{year}")
        return self._retrying(attempt)
