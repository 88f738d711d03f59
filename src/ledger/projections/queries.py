"""The read side's one entry point for the API and the CLI (queries return plain values).

Every method returns plain dicts/lists whose values are str, int, bool, None, Decimal (scores and
points, exact), date, datetime (UTC) or nested dicts/lists of those. Unknown ids raise
ledger.domain.errors.NotFound. `as_of` computes the answer from the events recorded at or before
that moment only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AsOf:
    """A past moment: a log position, or a timestamp (events with recorded_at <= it)."""

    position: int | None = None
    timestamp: datetime | None = None


class ReadSide:
    """Queries over the read models (INTERFACE — implementation in progress, issue 2).

    Methods and their results (field names are those of API.md):
    - wait_for(position, timeout=10.0): block until every projection has applied `position`
      (read-your-writes); raises TimeoutError.
    - agency(code) -> {credit_code, name, registered_on, deregistered_on}
    - month(code, month 'YYYY-MM', as_of=None) -> {agency, month, assessed, score,
      deducted_points, pending_points, deductions: [deduction]}
    - trail(code, month, as_of=None) -> {agency, month, score, entries: [{position, recorded_at,
      recorded_by, event, deduction_id, summary, score_before, score_after}]}
    - evaluation(code, year:int, as_of=None) -> {agency, year, assessed_months, monthly_mean,
      provincial_score, bonus, score, grade, trained_staff, deducted_points, interview,
      key_inspection, purchaser_rating_mean, purchaser_ratings, ...}
    - agency_events(code, as_of=None) -> [{position, recorded_at, recorded_by, event, data}]
    - deductions(code, month=None, status=None, as_of=None) -> [deduction]
    - deduction(deduction_id) -> deduction: {id, agency, rule_code, rule_version, base_points,
      found_on, notified_on, month, status, effective_points, pending_points, doubled,
      rectification_due, rectification: None | {completed_on, on_time}, dispute_id, reason,
      recorded_by, recorded_at, position}
    - disputes(status=None, agency=None, as_of=None) -> [dispute]
    - dispute(dispute_id) -> dispute: {id, deduction_id, agency, grounds, filed_on, review_due,
      status, outcome, points, reasoning, decided_on, decided_by, overdue}
    - standings(month=None, basis='current'|'published', as_of=None) -> {month, basis,
      revision (published only), rows: [{rank, agency, name, score, deducted_points,
      pending_points}]}; NotFound when month is None and no month is published, or when
      basis='published' and that month was never published.
    - annual_standings(year, as_of=None) -> {year, rows: [{rank, agency, name, score, grade}]}
    - training_statistics(year, as_of=None) -> {year, sessions: {kind: n}, agencies,
      person_times, person_times_by_kind: {kind: n}}
    - secondment(secondment_id) -> {id, agency, staff_ref, staff_name, department, started_on,
      ended_on}
    - training_session(session_id) -> {id, kind, held_on, topic, hours, attendance: n}
    - projections() -> [{name, position, lag, status}]
    - rebuild(name) -> None: start rebuilding that projection (a new generation); reads keep
      being served from the current one until the switch. NotFound for an unknown name.
    - resolve_as_of(as_of) -> int: the log position an AsOf stands for.
    """
