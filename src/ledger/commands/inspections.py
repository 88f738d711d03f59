"""The yearly inspection plan: draw it (or preview the draw), record inspections against it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.persistence import RecordConflictError

from ledger.commands.base import Store, get, retrying
from ledger.domain.errors import InvalidInput, NotFound, RuleViolation
from ledger.domain.inspection import (
    DEFAULT_TEAM_SIZE, Draw, DrawInputs, check_draw_inputs, draw, inspectors_of,
)
from ledger.domain.inspection_plan import InspectionPlan
from ledger.domain.principals import RECORD, Principal, authorize
from ledger.projections.queries.inspection_facts import LogReader, agency_facts
from ledger.unit_of_work import Recorded


def preview_inspection_plan(store: Store, by: Principal, year: int, drawn_on: date,
                            ratio: Decimal, seed_text: str, inspectors: list[dict[str, Any]],
                            team_size: int = DEFAULT_TEAM_SIZE) -> tuple[DrawInputs, Draw]:
    """The draw as it would be recorded now, recording nothing."""
    authorize(by, RECORD)
    inputs = DrawInputs(year, drawn_on, ratio, seed_text, inspectors_of(inspectors), 0, "",
                        team_size)
    check_draw_inputs(inputs, store.today())
    if store.exists(InspectionPlan.create_id(year)):
        raise RuleViolation(f"The inspection plan of {year} was already drawn; "
                            "one plan per year.")
    reader = LogReader(store)
    position, head_hash = reader.head()
    inputs = replace(inputs, head_position=position, head_hash=head_hash)
    return inputs, draw(inputs, agency_facts(reader.events(position), year, drawn_on))


def draw_inspection_plan(store: Store, by: Principal, year: int, drawn_on: date,
                         ratio: Decimal, seed_text: str, inspectors: list[dict[str, Any]],
                         team_size: int = DEFAULT_TEAM_SIZE) -> Recorded:
    """Draw and record the plan of `year` from the log as it stands at its head."""
    inputs, result = preview_inspection_plan(store, by, year, drawn_on, ratio, seed_text,
                                             inspectors, team_size)
    plan = InspectionPlan.drawn(inputs, result, by.name)
    try:
        return store.record(plan, resource_id=str(year))
    except RecordConflictError:
        raise RuleViolation(f"The inspection plan of {year} was already drawn; "
                            "one plan per year.") from None


def inspection_plan(store: Store, year: int) -> InspectionPlan:
    return get(store, "inspection plan", InspectionPlan.create_id(year), f"of {year}",
               InspectionPlan)


@retrying
def record_inspection(store: Store, by: Principal, year: int, agency: str, inspected_on: date,
                      inspectors: list[str], summary: str,
                      deduction_ids: list[str] | None = None) -> Recorded:
    """Record the inspection of a selected agency, linked to the deductions it found."""
    authorize(by, RECORD)
    found = list(deduction_ids or ())
    plan = store.inspection_plan(year)
    plan.check_inspection(agency, inspected_on, inspectors, summary, found, store.today())
    linked = [_deduction_of(store, agency, d) for d in found]  # canonical ids
    if len(set(linked)) != len(linked):
        raise InvalidInput.field("deduction_ids", "must not repeat a deduction")
    plan.record_inspection(agency, inspected_on, inspectors, summary, linked, store.today(),
                           by.name)
    return store.record(plan, resource_id=f"{year}/{agency}")


def _deduction_of(store: Store, agency: str, deduction_id: str) -> str:
    """The id of a deduction of `agency`, as the ledger writes it."""
    try:
        deduction = store.deduction(deduction_id)
    except NotFound:
        raise InvalidInput.field("deduction_ids", f"no deduction {deduction_id}") from None
    if deduction.agency != agency:
        raise RuleViolation(f"Deduction {deduction_id} is a deduction of "
                            f"{deduction.agency}, not of {agency}.")
    return str(deduction.id)
