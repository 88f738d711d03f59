"""Row versions of agencies, agency-months and deductions: the fold's versioner (pure, no SQL).

For each event the fold applies, `versions` turns what the event touched into rows that hold
from the event's position (`valid_from`) until the next version of the same key:

- `agency` (code): registration and deregistration, on `AgencyRegistered`/`AgencyDeregistered`
  (nothing else the versions keep about an agency changes);
- `month` (agency, month): score, deducted and pending points of every month the event touched
  (`Changes.months`: the fold adds every month whose figures it can have moved);
- `deduction` (id): the resource of every deduction of those months, since a change to one
  deduction can move its neighbours' effects (doubling), with its dispute's resource, as
  `rm_deduction.resource` keeps them (`views.stored_deduction`).

So a month's deductions as of a position are the deduction versions with the month version's
own `valid_from`. Figures are written as `rm_month` writes them (normalised decimal text).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.domain.scoring import normalise
from ledger.projections.model.codec import dumps
from ledger.projections.model.state import AgencyState
from ledger.projections.model.views import month_figures, stored_deduction

if TYPE_CHECKING:
    from ledger.projections.model.fold import Changes, LedgerModel

AGENCY, MONTH, DEDUCTION = "agency", "month", "deduction"
KINDS = (AGENCY, MONTH, DEDUCTION)
REGISTRATION_EVENTS = frozenset({"AgencyRegistered", "AgencyDeregistered"})


def versions(model: LedgerModel, position: int, event: Any,
             touched: Changes) -> list[tuple[str, dict]]:
    """The versions one event makes (see the module's docstring)."""
    out: list[tuple[str, dict]] = []
    if type(event).__name__ in REGISTRATION_EVENTS:
        out += [(AGENCY, agency_version(model.agencies[code], position))
                for code in touched.agencies]
    for code, month in touched.months:
        out += month_versions(model.agencies[code], month, position)
    return out


def agency_version(a: AgencyState, position: int) -> dict:
    gone = a.deregistration or {}
    return {"code": a.code, "valid_from": position, "aggregate_id": a.aggregate_id,
            "name": a.name, "registered_on": a.registered_on,
            "registered_position": a.registered_position, "registered_at": a.registered_at,
            "registered_by": a.registered_by, "deregistered_on": a.deregistered_on,
            "deregistered_position": gone.get("position"),
            "deregistered_at": gone.get("recorded_at"), "deregistered_by": gone.get("recorded_by"),
            "deregistration_reason": gone.get("reason")}


def agency_of_version(row: Any) -> AgencyState:
    """The agency's registration as a version holds it (no deductions or other facts)."""
    gone = None
    if row.deregistered_position is not None:
        gone = {"position": row.deregistered_position, "recorded_at": row.deregistered_at,
                "recorded_by": row.deregistered_by, "reason": row.deregistration_reason}
    return AgencyState(
        code=row.code, aggregate_id=row.aggregate_id, name=row.name,
        registered_on=row.registered_on, registered_at=row.registered_at,
        registered_by=row.registered_by, registered_position=row.registered_position,
        deregistered_on=row.deregistered_on, deregistration=gone)


def month_versions(agency: AgencyState, month: str, position: int) -> list[tuple[str, dict]]:
    """The month's figures and each of its deductions, as they stand in `agency` now."""
    figures = month_figures(agency, month)
    out: list[tuple[str, dict]] = [(MONTH, {
        "agency": agency.code, "month": month, "valid_from": position,
        "score": _s(figures.score), "deducted_points": _s(figures.deducted_points),
        "pending_points": _s(figures.pending_points)})]
    for d in agency.deductions_in(month):
        # Kept on the deduction until the fold changes it or its effect (`forget`): the
        # month's other deductions are versioned again unchanged.
        stored = d._stored
        if stored is None:
            stored = d._stored = dumps(stored_deduction(d, figures.effects[d.id]))
        out.append((DEDUCTION, {"id": d.id, "valid_from": position, "agency": agency.code,
                                "month": month, "resource": stored}))
    return out


def _s(value: Any) -> str:
    return str(normalise(value))
