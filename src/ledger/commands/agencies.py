"""Registration, deregistration, secondments, ratings and provincial scores."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from eventsourcing.persistence import RecordConflictError

from ledger.commands.base import Store, retrying
from ledger.domain.agency import Agency
from ledger.domain.errors import NotFound, RuleViolation
from ledger.domain.principals import RECORD, Principal, authorize
from ledger.unit_of_work import Recorded


def register_agency(store: Store, by: Principal, credit_code: str, name: str,
                    registered_on: date) -> Recorded:
    authorize(by, RECORD)
    agency = Agency.register(credit_code, name, registered_on, store.today(), by.name)
    if store.exists(agency.id):
        raise RuleViolation(f"Agency {credit_code} is already registered.")
    try:
        return store.record(agency, resource_id=credit_code)
    except RecordConflictError:
        raise RuleViolation(f"Agency {credit_code} is already registered.") from None


@retrying
def deregister_agency(store: Store, by: Principal, code: str, deregistered_on: date,
                      reason: str | None = None) -> Recorded:
    authorize(by, RECORD)
    agency = store.agency(code)
    agency.deregister(deregistered_on, reason, store.today(), by.name)
    return store.record(agency, resource_id=code)


@retrying
def start_secondment(store: Store, by: Principal, code: str, staff_ref: str, staff_name: str,
                     department: str, started_on: date) -> Recorded:
    authorize(by, RECORD)
    agency = store.agency(code)
    sid = agency.start_secondment(staff_ref, staff_name, department, started_on, store.today(),
                                  by.name)
    return store.record(agency, resource_id=sid)


@retrying
def complete_secondment(store: Store, by: Principal, secondment_id: str,
                        ended_on: date) -> Recorded:
    authorize(by, RECORD)
    code, sep, _ = secondment_id.rpartition("-S")
    try:
        agency = store.agency(code) if sep else None
    except NotFound:
        agency = None
    if agency is None or secondment_id not in agency.secondments:
        raise NotFound(f"No secondment {secondment_id}.")
    agency.complete_secondment(secondment_id, ended_on, store.today(), by.name)
    return store.record(agency, resource_id=secondment_id)


@retrying
def record_purchaser_rating(store: Store, by: Principal, code: str, rated_on: date,
                            purchaser: str, project_ref: str, rating: Decimal) -> Recorded:
    authorize(by, RECORD)
    agency = store.agency(code)
    rid = agency.record_rating(rated_on, purchaser, project_ref, rating, store.today(), by.name)
    return store.record(agency, resource_id=rid)


@retrying
def record_provincial_evaluation(store: Store, by: Principal, code: str, year: int,
                                 score: Decimal) -> Recorded:
    authorize(by, RECORD)
    agency = store.agency(code)
    agency.record_provincial(year, score, store.today(), by.name)
    return store.record(agency, resource_id=f"{code}/{year}")
