"""Inspection plans and their inspections, read from the plan's own events (as of any moment)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.domain.errors import NotFound
from ledger.domain.inspection_plan import InspectionPlan
from ledger.projections.queries.asof import AsOf
from ledger.projections.queries.inspection_facts import LogReader

PLAN_FIELDS = ("year", "drawn_on", "ratio", "team_size", "seed_text", "inspectors",
               "head_position", "head_hash", "seed", "candidates")
PLANNED, INSPECTED, OVERDUE = "planned", "inspected", "overdue"


def inspection_status(year: int, inspected: bool, today: date) -> str:
    """inspected; else planned, and overdue once the plan's year has ended."""
    if inspected:
        return INSPECTED
    return OVERDUE if today > date(year, 12, 31) else PLANNED


def inspection_resource(position: int, event: Any) -> dict:
    return {"year": event.year, "agency": event.agency, "inspected_on": event.inspected_on,
            "inspectors": list(event.inspectors), "summary": event.summary,
            "deduction_ids": list(event.deduction_ids), "recorded_by": event.recorded_by,
            "recorded_at": event.timestamp, "position": position}


def plan_resource(events: list[tuple[int, Any]], today: date) -> dict:
    """The plan of docs/API.md with each selected agency's status and inspection."""
    position, drawn = events[0]
    inspections = {e.agency: inspection_resource(p, e) for p, e in events[1:]}
    plan = {name: getattr(drawn, name) for name in PLAN_FIELDS}
    plan["selected"] = [
        {**s, "status": inspection_status(drawn.year, s["agency"] in inspections, today),
         "inspection": inspections.get(s["agency"])}
        for s in sorted(drawn.selected, key=lambda s: s["agency"])]
    return {**plan, "recorded_by": drawn.recorded_by, "recorded_at": drawn.timestamp,
            "position": position}


class InspectionReads:
    """Queries of the ReadSide about inspection plans (public)."""

    def _plan_events(self, year: int, as_of: AsOf | None) -> tuple[list[tuple[int, Any]], date]:
        position, today = (None, self.today()) if as_of is None \
            else self.as_of_reader.resolve(as_of)
        events = LogReader(self.runner.ledger).stream(InspectionPlan.create_id(year), position)
        if not events:
            raise NotFound(f"No inspection plan of {year}"
                           + ("." if as_of is None else f" as of position {position}."))
        return events, today

    def inspection_plan(self, year: int, as_of: AsOf | None = None) -> dict:
        """The plan of `year`, each selected agency with its status (planned/inspected/overdue)."""
        return plan_resource(*self._plan_events(year, as_of))

    def inspections(self, year: int, as_of: AsOf | None = None) -> list[dict]:
        """The inspections recorded against the plan of `year`, in log order."""
        events, _ = self._plan_events(year, as_of)
        return [inspection_resource(p, e) for p, e in events[1:]]
