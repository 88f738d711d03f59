"""A year's results: opening the notice, objections and their resolution, finalizing."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from ledger.commands.base import Store, retrying
from ledger.domain.filing import filing_date
from ledger.domain.errors import (
    ConflictingInput, NotFound, NotPermitted, RuleViolation,
)
from ledger.domain.principals import (
    AGENCY, FILE_OBJECTION, RECORD, RESOLVE_OBJECTION, Principal, authorize,
)
from ledger.domain.results import YearResults, year_of_objection
from ledger.unit_of_work import Recorded


class EvaluationSource(Protocol):
    """What the results commands read: the read side, caught up to the head of the log."""

    def assessed_evaluations(self, year: int) -> tuple[int, dict[str, dict]]: ...

    def current_evaluation(self, code: str, year: int) -> tuple[int, dict]: ...

    def deduction_recorders(self, code: str, year: int) -> set[str]: ...


def year_results(store: Store, year: int) -> YearResults:
    try:
        found = store.load(YearResults.create_id(year))
    except AggregateNotFoundError:
        found = None
    if not isinstance(found, YearResults):
        raise RuleViolation(f"{year} 年度结果尚未公示。The notice of {year} has not been "
                            f"opened yet.")
    return found


def objection_results(store: Store, objection_id: str) -> YearResults:
    year = year_of_objection(objection_id)
    if year is None:
        raise NotFound(f"No objection {objection_id}.")
    try:
        results = store.year_results(year)
    except RuleViolation:
        raise NotFound(f"No objection {objection_id}.") from None
    results.objection(objection_id)
    return results


def open_notice(store: Store, by: Principal, year: int, opened_on: date,
                reads: EvaluationSource) -> Recorded:
    authorize(by, RECORD)
    if store.exists(YearResults.create_id(year)):
        raise RuleViolation(f"{year} 年度已公示（每年一次）。The notice of {year} is already "
                            f"open; one notice per year.")
    head, evaluations = reads.assessed_evaluations(year)
    results = YearResults.open_notice(year, opened_on, store.today(), head, evaluations,
                                      by.name, store.working_calendar())
    try:
        return store.record(results, resource_id=str(year))
    except RecordConflictError:
        raise RuleViolation(f"{year} 年度已公示（每年一次）。The notice of {year} is already "
                            f"open; one notice per year.") from None


@retrying
def file_objection(store: Store, by: Principal, year: int, grounds: str,
                   agency: str | None = None, filed_on: date | None = None) -> Recorded:
    authorize(by, FILE_OBJECTION)
    today = store.today()
    filed_on = filing_date(by, filed_on, today)  # an agency's own filing is dated today
    if by.role == AGENCY:
        agency = agency or by.agency
    elif not agency:
        # Well formed as sent (an agency leaves it out): what it lacks is the caller's.
        raise ConflictingInput.field("agency", "is required when a regulator files an "
                                     "objection (the agency's credit code)")
    authorize(by, FILE_OBJECTION, agency)
    store.agency(agency, read_only=True)  # 404 for an unknown credit code
    results = store.year_results(year)
    oid = results.file_objection(agency, grounds, filed_on, today, by.name,
                                 store.working_calendar())
    return store.record(results, resource_id=oid)


@retrying
def resolve_objection(store: Store, by: Principal, objection_id: str, outcome: str,
                      reasoning: str, decided_on: date, reads: EvaluationSource) -> Recorded:
    authorize(by, RESOLVE_OBJECTION)
    results = store.objection_results(objection_id)
    objection = results.objection(objection_id)
    if by.name in reads.deduction_recorders(objection.agency, objection.year):
        raise NotPermitted(
            f"{by.name} 记录过该机构 {objection.year} 年度的扣分，须回避，由其他复核人决定。"
            f"{by.name} recorded a deduction of agency {objection.agency} found in "
            f"{objection.year}, so may not decide its objection; another reviewer must.")
    head, evaluation = (reads.current_evaluation(objection.agency, objection.year)
                        if outcome == "corrected" else (None, None))
    results.resolve_objection(objection_id, outcome, reasoning, decided_on, store.today(), head,
                              evaluation, by.name)
    return store.record(results, resource_id=objection_id)


@retrying
def finalize_year(store: Store, by: Principal, year: int, finalized_on: date) -> Recorded:
    authorize(by, RECORD)
    results = store.year_results(year)
    results.finalize(finalized_on, store.today(), by.name)
    return store.record(results, resource_id=str(year))
