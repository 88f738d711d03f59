"""Purchaser ratings, provincial scores and the class each deduction was recorded with, as
rows: the fold's versioner for them (pure, no SQL).

They are the facts of an agency's evaluation that no other row holds: with them, the rows
(`rm_agency` and its versions, `rm_deduction.resource`, `rm_attendance` with `rm_session`,
`rm_secondment`) hold every fact the fold keeps of an agency, so a reader that needs an
agency's whole state (the what-if preview) puts it together from rows
(`queries/state_rows.py`) instead of the fold's private cache, `rm_agency.state`.

- `rating` (id): a purchaser rating, made once on `PurchaserRatingRecorded`;
- `provincial` (agency, year): the provincial score of a year, on
  `ProvincialEvaluationRecorded` (a later record supersedes the earlier one: a new version);
- `terms` (id): whether a deduction is serious and rectifiable, as the fold holds them from
  its `DeductionRecorded` (the deduction resource does not show them), made once.

Tables: `tables.HISTORY[kind]` for each, `tables.CURRENT["provincial"]` for the newest score
of an agency-year. Decimals are kept as their exact text.
"""

from __future__ import annotations

from typing import Any

RATING, PROVINCIAL, TERMS = "rating", "provincial", "terms"
KINDS = (RATING, PROVINCIAL, TERMS)


def fact_versioner(model: Any, position: int, event: Any,
                   touched: Any) -> list[tuple[str, dict]]:
    """The fold's versioner for ratings, provincial scores and deduction terms
    (`fold.VERSIONERS`)."""
    name = type(event).__name__
    if name == "DeductionRecorded":
        d = model.agencies[event.agency].deductions[str(event.originator_id)]
        return [(TERMS, {"id": d.id, "valid_from": position, "agency": d.agency,
                         "serious": d.serious, "rectifiable": d.rectifiable})]
    if name == "PurchaserRatingRecorded":
        code = model.agency_of_aggregate[str(event.originator_id)]
        r = model.agencies[code].ratings[-1]
        return [(RATING, {"id": r.id, "valid_from": position, "agency": code,
                          "rated_on": r.rated_on, "purchaser": r.purchaser,
                          "project_ref": r.project_ref, "rating": str(r.rating)})]
    if name == "ProvincialEvaluationRecorded":
        code = model.agency_of_aggregate[str(event.originator_id)]
        return [(PROVINCIAL, {"agency": code, "year": event.year, "valid_from": position,
                              "score": str(model.agencies[code].provincial[event.year])})]
    return []
