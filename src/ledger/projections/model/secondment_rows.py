"""Secondments as rows: the fold's versioner for them (pure, no SQL).

A secondment's row is made when it starts and again when it completes (`SecondmentStarted`,
`SecondmentCompleted`), holding it as the fold then knows it, with `seq`, its place among the
agency's secondments in the order they started (the order the fold keeps them in). Tables:
`tables.secondment` (the current row, replaced) and `tables.HISTORY["secondment"]` (every
version), written by the fold's writer like every kind of `fold.VERSIONERS`.
"""

from __future__ import annotations

from typing import Any

KIND = "secondment"
EVENTS = frozenset({"SecondmentStarted", "SecondmentCompleted"})


def secondment_versioner(model: Any, position: int, event: Any,
                         touched: Any) -> list[tuple[str, dict]]:
    """The fold's versioner for secondments (`fold.VERSIONERS`)."""
    if type(event).__name__ not in EVENTS:
        return []
    agency = model.agencies[model.agency_of_aggregate[str(event.originator_id)]]
    ids = list(agency.secondments)
    s = agency.secondments[event.secondment_id]
    return [(KIND, {"id": s.id, "valid_from": position, "agency": agency.code,
                    "seq": ids.index(s.id), "staff_ref": s.staff_ref,
                    "staff_name": s.staff_name, "department": s.department,
                    "started_on": s.started_on, "ended_on": s.ended_on})]
