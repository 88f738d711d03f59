"""Row versions of agencies, agency-months and deductions: the fold's versioner (pure, no SQL).

For each event the fold applies, `versions` turns what the event touched into rows that hold
from the event's position (`valid_from`) until the next version of the same key:

- `agency` (code): registration and deregistration, on `AgencyRegistered`/`AgencyDeregistered`
  (nothing else the versions keep about an agency changes);
- `month` (agency, month): score, deducted and pending points of a month the event touched
  (`Changes.months`: the fold adds every month whose figures it can have moved), when they
  differ from the month's figures before the event (`Changes.months_before`);
- `deduction` (id): the resource of the deduction the event changed and of every other
  deduction of those months whose effect moved (a change to one deduction can move its
  neighbours' doubling), with its dispute's resource, as `rm_deduction.resource` keeps them
  (`views.stored_deduction`).

A version is written only when its content changes, so the version of a key as of a position
is its latest with `valid_from` <= the position, and a month's deductions as of a position are
the latest versions of the deductions with that month (a deduction never changes month and is
never removed). Generations built before wrote every deduction of a touched month again with
each month version; the same reads give the same answers on them. Figures are written as
`rm_month` writes them (normalised decimal text).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.domain.scoring import Effect, normalise
from ledger.projections.model.codec import dumps, loads
from ledger.projections.model.state import AgencyState, DeductionState
from ledger.projections.model.views import MonthFigures, month_figures, stored_deduction

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
        out += month_versions(model.agencies[code], month, position,
                              touched.months_before.get((code, month)), touched.deduction)
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


def month_versions(agency: AgencyState, month: str, position: int,
                   before: MonthFigures | None = None,
                   changed: str | None = None) -> list[tuple[str, dict]]:
    """The month's figures and each of its deductions, as they stand in `agency` now.

    Given the month's figures `before` the event and the deduction whose state the event
    `changed`, only the versions whose content differs from the key's previous version: the
    month's when its figures moved (or it had no deduction, hence no version, before), a
    deduction's when it is the one changed or its effect moved. An as-of read then finds the
    previous version, which is equal.
    """
    figures = month_figures(agency, month)
    out: list[tuple[str, dict]] = []
    if before is None or not before.effects or before.score != figures.score \
            or before.deducted_points != figures.deducted_points \
            or before.pending_points != figures.pending_points:
        out.append((MONTH, {
            "agency": agency.code, "month": month, "valid_from": position,
            "score": _s(figures.score), "deducted_points": _s(figures.deducted_points),
            "pending_points": _s(figures.pending_points)}))
    for d in agency.deductions_in(month):
        effect = figures.effects[d.id]
        if before is not None and d.id != changed and before.effects.get(d.id) == effect:
            continue  # neither its state nor its effect changed: its last version holds
        if before is None or d.position == position:  # from scratch, or its recording: whole
            resource = dumps(stored_deduction(d, effect))
        else:
            # Kept on the deduction until the fold changes it or its effect (`forget`).
            resource = d._stored
            if resource is None:
                resource = d._stored = dumps(deduction_changes(d, effect))
        out.append((DEDUCTION, {"id": d.id, "valid_from": position, "agency": agency.code,
                                "month": month, "resource": resource}))
    return out


# The fields of a deduction's resource that can change after it was recorded (the fold's
# `_change_deduction`: withdrawal, rectification, dispute and its outcome, and the effect a
# neighbour's change can move). The others are the recorded facts, the same in every version.
CHANGING = ("status", "effective_points", "pending_points", "doubled", "restored",
            "rectification", "dispute_id", "withdrawal_reason")


def deduction_changes(d: DeductionState, effect: Effect) -> dict:
    """A deduction's later version: what can change since its recording (`CHANGING`), and its
    dispute's resource whole (`stored_of_versions` puts the deduction together again)."""
    whole = stored_deduction(d, effect)
    return {"changes": {k: whole["deduction"][k] for k in CHANGING},
            "dispute": whole["dispute"]}


def stored_of_versions(versions: list[str]) -> dict:
    """A deduction's stored resource (as `views.stored_deduction` makes it, and as
    `rm_deduction.resource` keeps it) from its encoded versions up to a position, oldest first.

    The version written when it was recorded is whole; later ones hold only what can change
    (`deduction_changes`), put on the recorded facts of the latest whole version before them.
    Generations built before wrote every version whole.
    """
    latest = loads(versions[-1])
    if "deduction" in latest:
        return latest
    whole = next(v for v in reversed(versions) if v.startswith(_WHOLE))
    return {"deduction": {**loads(whole)["deduction"], **latest["changes"]},
            "dispute": latest["dispute"]}


_WHOLE = '{"deduction":'  # how a whole version's JSON begins (`codec.dumps` is compact)


def _s(value: Any) -> str:
    return str(normalise(value))
