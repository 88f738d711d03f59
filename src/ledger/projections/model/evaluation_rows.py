"""Annual evaluations as stored rows: the versioner the fold calls, and how a row is read.

An evaluation depends on "today" only through how many months of its year have begun (its
*through*, 0 to 12: `views.through_of`). A row therefore holds the evaluation for every through
that can still be read once the event that made it has been recorded: a read happens on or
after the day (China) the event was recorded, so a version made in month M of its own year
holds throughs M..12, one made after its year only 12, one made before its year 0..12.
Fields that do not depend on the through are kept once (`base`), the others per through
(`VARYING`). A read whose through is not held (a clock set before the event, in tests) is
answered by computing from the agency's state, as before rows existed.

An agency-year without a row has no fact in that year: its evaluation depends only on the
registration and the through, and is computed by the same function on an agency without facts
(`empty_evaluation`, kept per shape).

Pure: no SQL. Tables: `tables.evaluation` (the current version) and
`tables.evaluation_history` (every version, `tables.HISTORY["evaluation"]`).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any

from ledger.config import CHINA
from ledger.projections.model.codec import dumps, loads
from ledger.projections.model.state import AgencyState
from ledger.projections.model.views import (
    EVALUATION_VARYING, assembled, evaluation_parts, evaluation_resources, through_of,
)

KIND = "evaluation"
VARYING = EVALUATION_VARYING
DEDUCTION_EVENTS = {"DeductionRecorded", "DeductionWithdrawn", "RectificationRecorded",
                    "DisputeFiled", "DisputeResolved"}


def recorded_day(event: Any) -> date:
    """The civil date (China) the event was recorded: the earliest "today" that reads it."""
    stamp: datetime = event.timestamp
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.astimezone(CHINA).date()


def fact_years(agency: AgencyState) -> set[int]:
    """Every year in which the agency has a fact an evaluation counts."""
    years = {d.found_on.year for d in agency.deductions.values()}
    years |= {a.held_on.year for a in agency.attendance}
    years |= {s.ended_on.year for s in agency.secondments.values() if s.ended_on is not None}
    years |= {r.rated_on.year for r in agency.ratings}
    years |= set(agency.provincial)
    return years


def touched_years(model: Any, event: Any, touched: Any) -> dict[str, set[int]]:
    """The agencies and years whose evaluation the event can have changed."""
    name = type(event).__name__
    if name in DEDUCTION_EVENTS:
        found: dict[str, set[int]] = {}
        for code, month in touched.months:  # a doubling can reach into the next year
            found.setdefault(code, set()).add(int(month[:4]))
        return found
    if name == "AttendanceRecorded":
        return {event.agency: {model.sessions[str(event.originator_id)].held_on.year}}
    if name == "SecondmentCompleted":
        return {code: {event.ended_on.year} for code in touched.agencies}
    if name == "PurchaserRatingRecorded":
        return {code: {event.rated_on.year} for code in touched.agencies}
    if name == "ProvincialEvaluationRecorded":
        return {code: {event.year} for code in touched.agencies}
    if name == "AgencyDeregistered":
        year = event.deregistered_on.year
        return {code: {y for y in fact_years(model.agencies[code]) if y >= year}
                for code in touched.agencies}
    return {}  # registration, secondment started, sessions, publications: no fact of a year


def first_through(year: int, day: date) -> int:
    """The smallest through a read on or after `day` can ask of `year`."""
    return through_of(year, day)


def version(agency: AgencyState, year: int, position: int, day: date) -> dict:
    """The row of one agency-year as of the event at `position`, recorded on `day`."""
    first = first_through(year, day)
    base, by = evaluation_parts(agency, year, list(range(first, 13)))
    standing = [[str(r["score"]) if r["score"] is not None else None, r["grade"]] for r in by]
    return {"agency": agency.code, "year": year, "valid_from": position,
            "first_through": first, "standing": dumps(standing),
            "resource": dumps({"base": base, "by": by})}


def evaluation_versioner(model: Any, position: int, event: Any,
                         touched: Any) -> list[tuple[str, dict]]:
    """The fold's versioner for evaluations (`fold.VERSIONERS`)."""
    years = touched_years(model, event, touched)
    if not years:
        return []
    day = recorded_day(event)
    return [(KIND, version(model.agencies[code], year, position, day))
            for code in sorted(years) for year in sorted(years[code])]


# -- reading a row ---------------------------------------------------------------------------

def resource_from_row(first: int, resource: str, through: int) -> dict | None:
    """The evaluation a stored row holds for `through`; None when the row does not hold it."""
    if through < first:
        return None
    held = loads(resource)
    return assembled(held["base"], held["by"][through - first])


def standing_from_row(first: int, standing: str, through: int) -> tuple | None:
    """(score or None, grade) a stored row holds for `through`; None when it does not."""
    if through < first:
        return None
    return tuple(loads(standing)[through - first])


@lru_cache(maxsize=4096)
def _empty(year: int, first_month: int, last_month: int, through: int) -> dict:
    registered_on = date(year, first_month, 1) if first_month <= 12 else date(year + 1, 1, 1)
    deregistered_on = None if last_month >= 12 else \
        date(year, last_month, 1) if last_month >= 1 else date(year - 1, 12, 31)
    agency = AgencyState(code="", aggregate_id="", name="", registered_on=registered_on,
                         registered_at=datetime.min, registered_by="",
                         registered_position=0, deregistered_on=deregistered_on)
    return evaluation_resources(agency, year, [through])[through]


def registration_shape(year: int, registered_on: date,
                       deregistered_on: date | None) -> tuple[int, int]:
    """(first month, last month) of `year` that registration alone lets be assessed."""
    first_month = 1 if registered_on.year < year else 13 if registered_on.year > year \
        else registered_on.month
    if deregistered_on is None or deregistered_on.year > year:
        last_month = 12
    else:
        last_month = 0 if deregistered_on.year < year else deregistered_on.month
    return first_month, last_month


def empty_evaluation(code: str, name: str, year: int, registered_on: date,
                     deregistered_on: date | None, through: int) -> dict:
    """The evaluation of an agency-year without any fact (no row), copied."""
    found = _empty(year, *registration_shape(year, registered_on, deregistered_on), through)
    return {**found, "agency": code, "name": name, "bonus_parts": dict(found["bonus_parts"]),
            "caps_applied": list(found["caps_applied"])}


def empty_standing(year: int, registered_on: date, deregistered_on: date | None,
                   through: int) -> tuple:
    found = _empty(year, *registration_shape(year, registered_on, deregistered_on), through)
    return found["score"], found["grade"]
