"""The yearly inspection plan: draw it (or preview the draw), record inspections against it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import RecordConflictError

from ledger.domain.errors import InvalidInput, NotFound, RuleViolation
from ledger.domain.inspection import (
    DEFAULT_TEAM_SIZE, Draw, DrawInputs, check_draw_inputs, draw, inspectors_of,
)
from ledger.domain.inspection_plan import InspectionPlan
from ledger.domain.principals import RECORD, Principal, authorize
from ledger.projections.inspection_facts import LogReader, agency_facts

if TYPE_CHECKING:
    from ledger.application import Recorded


class InspectionCommands:
    """Commands of the Ledger: the inspection plan of a year and its inspections."""

    def preview_inspection_plan(self, by: Principal, year: int, drawn_on: date, ratio: Decimal,
                                seed_text: str, inspectors: list[dict[str, Any]],
                                team_size: int = DEFAULT_TEAM_SIZE) -> tuple[DrawInputs, Draw]:
        """The draw as it would be recorded now, recording nothing."""
        authorize(by, RECORD)
        inputs = DrawInputs(year, drawn_on, ratio, seed_text, inspectors_of(inspectors), 0, "",
                            team_size)
        check_draw_inputs(inputs, self.today())
        if self.exists(InspectionPlan.create_id(year)):
            raise RuleViolation(f"The inspection plan of {year} was already drawn; "
                                "one plan per year.")
        reader = LogReader(self)
        position, head_hash = reader.head()
        inputs = replace(inputs, head_position=position, head_hash=head_hash)
        return inputs, draw(inputs, agency_facts(reader.events(position), year, drawn_on))

    def draw_inspection_plan(self, by: Principal, year: int, drawn_on: date, ratio: Decimal,
                             seed_text: str, inspectors: list[dict[str, Any]],
                             team_size: int = DEFAULT_TEAM_SIZE) -> Recorded:
        """Draw and record the plan of `year` from the log as it stands at its head."""
        inputs, result = self.preview_inspection_plan(by, year, drawn_on, ratio, seed_text,
                                                      inspectors, team_size)
        plan = InspectionPlan.drawn(inputs, result, by.name)
        try:
            return self._commit(plan, resource_id=str(year))
        except RecordConflictError:
            raise RuleViolation(f"The inspection plan of {year} was already drawn; "
                                "one plan per year.") from None

    def inspection_plan(self, year: int) -> InspectionPlan:
        return self._get("inspection plan", InspectionPlan.create_id(year), f"of {year}",
                         InspectionPlan)

    def record_inspection(self, by: Principal, year: int, agency: str, inspected_on: date,
                          inspectors: list[str], summary: str,
                          deduction_ids: list[str] | None = None) -> Recorded:
        """Record the inspection of a selected agency, linked to the deductions it found."""
        authorize(by, RECORD)
        found = list(deduction_ids or ())

        def attempt() -> Recorded:
            plan = self.inspection_plan(year)
            plan.check_inspection(agency, inspected_on, inspectors, summary, found, self.today())
            linked = [self._deduction_of(agency, d) for d in found]  # canonical ids
            if len(set(linked)) != len(linked):
                raise InvalidInput.field("deduction_ids", "must not repeat a deduction")
            plan.record_inspection(agency, inspected_on, inspectors, summary, linked,
                                   self.today(), by.name)
            return self._commit(plan, resource_id=f"{year}/{agency}")
        return self._retrying(attempt)

    def _deduction_of(self, agency: str, deduction_id: str) -> str:
        """The id of a deduction of `agency`, as the ledger writes it."""
        try:
            deduction = self.deduction(deduction_id)
        except NotFound:
            raise InvalidInput.field("deduction_ids", f"no deduction {deduction_id}") from None
        if deduction.agency != agency:
            raise RuleViolation(f"Deduction {deduction_id} is a deduction of "
                                f"{deduction.agency}, not of {agency}.")
        return str(deduction.id)
