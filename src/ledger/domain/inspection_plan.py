"""The InspectionPlan aggregate: one plan per year, one inspection per selected agency."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.domain.base import LedgerCreated, LedgerEvent, ledger_id, not_after_today
from ledger.domain.errors import RuleViolation, collect
from ledger.domain.inspection import Draw, DrawInputs
from ledger.domain.text import NAME_LIMIT, TEXT_LIMIT, text_problem


class InspectionPlanDrawn(LedgerCreated):
    """The year's plan: its inputs, the head of the log it was drawn at, and the result."""

    year: int
    drawn_on: date
    ratio: Decimal
    team_size: int
    seed_text: str
    inspectors: list[dict]
    head_position: int
    head_hash: str
    seed: str
    candidates: int
    selected: list[dict]


class InspectionRecorded(LedgerEvent):
    """The inspection of one selected agency."""

    year: int
    agency: str
    inspected_on: date
    inspectors: list[str]
    summary: str
    deduction_ids: list[str]


def plan_event_data(inputs: DrawInputs, result: Draw) -> dict[str, Any]:
    """The plan event's fields for a draw (the stored form of inputs and result)."""
    return {
        "year": inputs.year, "drawn_on": inputs.drawn_on, "ratio": inputs.ratio,
        "team_size": inputs.team_size, "seed_text": inputs.seed_text,
        "inspectors": [{"name": i.name, "conflicts": list(i.conflicts)}
                       for i in inputs.inspectors],
        "head_position": inputs.head_position, "head_hash": inputs.head_hash,
        "seed": result.seed, "candidates": len(result.candidates),
        "selected": [{**asdict(s), "reasons": list(s.reasons), "team": list(s.team)}
                     for s in result.selected],
    }


class InspectionPlan(Aggregate):
    """The inspection plan (监督检查计划) of one year."""

    class_version = 1
    InspectionPlanDrawn = InspectionPlanDrawn
    InspectionRecorded = InspectionRecorded

    @staticmethod
    def create_id(year: int, **_: Any):
        return ledger_id("inspection-plan", str(year))

    @classmethod
    def drawn(cls, inputs: DrawInputs, result: Draw, recorded_by: str) -> "InspectionPlan":
        return cls(**plan_event_data(inputs, result), recorded_by=recorded_by)

    @event(InspectionPlanDrawn)
    def __init__(self, year: int, drawn_on: date, ratio: Decimal, team_size: int,
                 seed_text: str, inspectors: list[dict], head_position: int, head_hash: str,
                 seed: str, candidates: int, selected: list[dict], recorded_by: str) -> None:
        self.year, self.drawn_on = year, drawn_on
        self.teams = {s["agency"]: list(s["team"]) for s in selected}
        self.inspected: dict[str, date] = {}

    def record_inspection(self, agency: str, inspected_on: date, inspectors: list[str],
                          summary: str, deduction_ids: list[str], today: date,
                          recorded_by: str) -> None:
        """Check the inspection against the plan and record it."""
        self.check_inspection(agency, inspected_on, inspectors, summary, deduction_ids, today)
        self._record(year=self.year, agency=agency, inspected_on=inspected_on,
                     inspectors=list(inspectors), summary=summary,
                     deduction_ids=list(deduction_ids), recorded_by=recorded_by)

    def check_inspection(self, agency: str, inspected_on: date, inspectors: list[str],
                         summary: str, deduction_ids: list[str], today: date) -> None:
        collect(
            not_after_today("inspected_on", inspected_on, today),
            ("inspected_on", None if inspected_on >= self.drawn_on else
             f"must not be before the plan was drawn ({self.drawn_on.isoformat()})"),
            ("inspected_on", None if inspected_on.year == self.year else
             f"must lie in {self.year}, got {inspected_on.isoformat()}"),
            ("summary", text_problem(summary, limit=TEXT_LIMIT)),
            ("inspectors", _names_problem(inspectors)),
            ("deduction_ids", None if len(set(deduction_ids)) == len(deduction_ids)
             else "must not repeat a deduction"),
        )
        if agency not in self.teams:
            raise RuleViolation(f"Agency {agency} is not in the inspection plan of {self.year}.")
        if agency in self.inspected:
            raise RuleViolation(f"The inspection of {agency} in {self.year} was already "
                                f"recorded ({self.inspected[agency].isoformat()}).")
        team = self.teams[agency]
        if sorted(inspectors) != sorted(team):
            raise RuleViolation(f"The inspectors must be the team drawn for {agency}: "
                                f"{', '.join(team)}; got {', '.join(inspectors)}.")

    @event(InspectionRecorded)
    def _record(self, year: int, agency: str, inspected_on: date, inspectors: list[str],
                summary: str, deduction_ids: list[str], recorded_by: str) -> None:
        self.inspected[agency] = inspected_on


def _names_problem(names: list[str]) -> str | None:
    if not names:
        return "must name the inspectors of the agency's team"
    for name in names:
        problem = text_problem(name, limit=NAME_LIMIT)
        if problem:
            return f"{name!r}: {problem}"
    if len(set(names)) != len(names):
        return "must not repeat a name"
    return None

