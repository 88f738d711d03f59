"""The pure fold: apply one event at one log position to the read side's state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from sys import intern
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from ledger.domain.catalogue import RuleSetVersion, coded, drafted_item
from ledger.domain.scoring import in_doubling_window
from ledger.projections.model.state import (
    AgencyState, AttendanceState, DeductionState, DisputeState, Publication, RatingState,
    SecondmentState, SessionState,
)
from ledger.projections.model.views import (
    MonthFigures, forget_months, month_figures, registered_in,
)

AGENCY_EVENTS = {"AgencyRegistered", "AgencyDeregistered", "SecondmentStarted",
                 "SecondmentCompleted", "PurchaserRatingRecorded", "ProvincialEvaluationRecorded"}
DEDUCTION_EVENTS = {"DeductionRecorded", "DeductionWithdrawn", "RectificationRecorded",
                    "DisputeFiled", "DisputeResolved"}
# The events that name the agency they are about, and the attribute that holds its credit code.
# An agency's or a deduction's later events are about the agency its first event names; any
# other event the fold handles (sessions, publications) is about no single agency.
AGENCY_OF_EVENT = {"AgencyRegistered": "credit_code", "DeductionRecorded": "agency",
                   "AttendanceRecorded": "agency"}


class TrailEntry(NamedTuple):
    """One line of a month's audit trail: an event and the month's score around it."""

    agency: str
    month: str
    position: int
    recorded_at: datetime
    recorded_by: str
    event: str
    deduction_id: str | None
    summary: str
    score_before: Decimal | None
    score_after: Decimal | None


@dataclass
class Changes:
    """What one or more applied events changed, for the persistence adapter to write."""

    agencies: set[str] = field(default_factory=set)
    months: set[tuple[str, str]] = field(default_factory=set)
    trail: list[TrailEntry] = field(default_factory=list)
    sessions: set[str] = field(default_factory=set)
    attendance: list[tuple[str, str, str, str, int]] = field(default_factory=list)
    publications: list[Publication] = field(default_factory=list)
    streams: list[tuple[str, str, str | None]] = field(default_factory=list)
    # Row versions with history: (kind, row) where row holds `valid_from` (the position of the
    # event that made this version) and the kind's key and figures; see `Versioner`.
    versions: list[tuple[str, dict]] = field(default_factory=list)
    # For the versioners, one event's only (not merged): the figures of each month in `months`
    # just before the event, and the deduction whose own state the event changed.
    months_before: dict[tuple[str, str], MonthFigures] = field(default_factory=dict)
    deduction: str | None = None

    def merge(self, other: Changes) -> None:
        """Add what `other` (one event's changes) changed."""
        self.agencies |= other.agencies
        self.months |= other.months
        self.trail += other.trail
        self.sessions |= other.sessions
        self.attendance += other.attendance
        self.publications += other.publications
        self.streams += other.streams
        self.versions += other.versions


# A versioner turns what one event changed into row versions: given the model just after the
# event, the event's position, the event and that event's own changes, it returns the
# (kind, row) pairs to keep, each row with `valid_from` = position. Versioners are pure (no
# SQL); the persistence adapter writes each kind to its history table
# (`tables.HISTORY[kind]`). The list is filled in below the model.
Versioner = Callable[["LedgerModel", int, Any, "Changes"], list[tuple[str, dict]]]
VERSIONERS: list[Versioner] = []


def event_name(event: Any) -> str:
    return type(event).__name__


class LedgerModel:
    """Agencies, deductions, sessions and publications, as far as the events so far say."""

    def __init__(self, history: bool = False, draft: RuleSetVersion | None = None,
                 holds: Callable[[str], bool] | None = None) -> None:
        # history: also produce row versions (`Changes.versions`) for every event; the read
        # models' writers want them, in-memory folds (as-of, what-if, inspection facts) not.
        self.history = history
        # A draft rule-set version (the what-if preview): a deduction found on or after its
        # effective_from whose code it lists is folded with the draft's points and class.
        self.draft = draft
        # holds: the model keeps only the agencies whose credit code this accepts (a shard of
        # a rebuild): events of other agencies are passed over, except that an attendance of
        # theirs still counts towards its session. Sessions and publications are kept whole.
        self.holds = holds
        self.agencies: dict[str, AgencyState] = {}
        self.agency_of_aggregate: dict[str, str] = {}
        self.agency_of_deduction: dict[str, str] = {}
        self.sessions: dict[str, SessionState] = {}
        self.publications: dict[str, list[Publication]] = {}
        self.position = 0
        self.complete = False  # True when folded from the first event: it holds every agency

    def add_agency(self, agency: AgencyState) -> None:
        self.agencies[agency.code] = agency
        self.agency_of_aggregate[agency.aggregate_id] = agency.code
        for d in agency.deductions:
            self.agency_of_deduction[d] = agency.code

    def apply(self, position: int, event: Any, changes: Changes | None = None) -> Changes:
        """Fold one event in; return what changed."""
        changes = changes if changes is not None else Changes()
        name = event_name(event)
        if self.holds is not None and not self._held(name, event):
            if name == "AttendanceRecorded":
                self._attended(event, changes)
            self.position = position
            return changes
        handler: Callable[..., None] | None = getattr(self, f"_on_{name}", None)
        if handler is not None:
            if self.history:
                touched = Changes()
                handler(position, event, touched)
                for versioner in VERSIONERS:
                    touched.versions += versioner(self, position, event, touched)
                changes.merge(touched)
            else:
                handler(position, event, changes)
        self.position = position
        return changes

    def _held(self, name: str, e: Any) -> bool:
        """Whether the event is about an agency this model holds (see `holds`), or about none."""
        assert self.holds is not None
        field = AGENCY_OF_EVENT.get(name)
        if field is not None:
            return self.holds(getattr(e, field))
        if name in AGENCY_EVENTS:
            return str(e.originator_id) in self.agency_of_aggregate
        if name in DEDUCTION_EVENTS:
            return str(e.originator_id) in self.agency_of_deduction
        return True

    # -- agencies -------------------------------------------------------------------------

    def _agency_for(self, event: Any) -> AgencyState:
        return self.agencies[self.agency_of_aggregate[str(event.originator_id)]]

    def _on_AgencyRegistered(self, position: int, e: Any, changes: Changes) -> None:
        agency = AgencyState(
            code=e.credit_code, aggregate_id=str(e.originator_id), name=e.name,
            registered_on=e.registered_on, registered_at=e.timestamp,
            registered_by=e.recorded_by, registered_position=position)
        self.add_agency(agency)
        changes.agencies.add(agency.code)
        changes.streams.append((agency.aggregate_id, "agency", agency.code))

    def _on_AgencyDeregistered(self, position: int, e: Any, changes: Changes) -> None:
        agency = self._agency_for(e)
        agency.deregistered_on = e.deregistered_on
        agency.deregistration = {"position": position, "recorded_at": e.timestamp,
                                 "recorded_by": e.recorded_by, "reason": e.reason}
        changes.agencies.add(agency.code)

    def _on_SecondmentStarted(self, position: int, e: Any, changes: Changes) -> None:
        agency = self._agency_for(e)
        agency.secondments[e.secondment_id] = SecondmentState(
            e.secondment_id, e.staff_ref, e.staff_name, e.department, e.started_on)
        changes.agencies.add(agency.code)

    def _on_SecondmentCompleted(self, position: int, e: Any, changes: Changes) -> None:
        agency = self._agency_for(e)
        agency.secondments[e.secondment_id].ended_on = e.ended_on
        changes.agencies.add(agency.code)

    def _on_PurchaserRatingRecorded(self, position: int, e: Any, changes: Changes) -> None:
        agency = self._agency_for(e)
        agency.ratings.append(RatingState(e.rating_id, e.rated_on, e.purchaser, e.project_ref,
                                          e.rating))
        changes.agencies.add(agency.code)

    def _on_ProvincialEvaluationRecorded(self, position: int, e: Any, changes: Changes) -> None:
        agency = self._agency_for(e)
        agency.provincial[e.year] = e.score  # a later record supersedes the earlier one
        changes.agencies.add(agency.code)

    # -- deductions -----------------------------------------------------------------------

    def _on_DeductionRecorded(self, position: int, e: Any, changes: Changes) -> None:
        agency = self.agencies[e.agency]
        base_points, serious, rectifiable, version = \
            e.base_points, e.serious, e.rectifiable, e.rule_version
        draft = self.draft
        item = drafted_item(draft, e.rule_code, e.found_on)
        if item is not None and draft is not None:  # what-if: the draft's points and class
            base_points, serious, rectifiable, version = \
                item.points, item.serious, item.rectifiable, draft.version
        # Text repeated across deductions is shared (interned): a model of every agency holds
        # hundreds of thousands of deductions.
        d = DeductionState(
            id=str(e.originator_id), agency=agency.code, rule_code=intern(e.rule_code),
            rule_version=intern(version), base_points=base_points, serious=serious,
            rectifiable=rectifiable, found_on=e.found_on, notified_on=e.notified_on,
            reason=intern(e.reason), project_ref=e.project_ref, evidence=e.evidence,
            rectification_due=e.rectification_due, dispute_deadline=e.dispute_deadline,
            calendar=intern(e.calendar), recorded_by=intern(e.recorded_by),
            recorded_at=e.timestamp, position=position)
        self.agency_of_deduction[d.id] = agency.code
        changes.streams.append((d.id, "deduction", agency.code))

        def mutate() -> None:
            agency.add_deduction(d)
        self._change_deduction(agency, d, mutate, position, e, changes,
                               f"{coded(d.rule_code)} recorded: {d.base_points} points "
                               f"(rule set {d.rule_version}); {d.reason}")

    def _deduction_for(self, event: Any) -> tuple[AgencyState, DeductionState]:
        ded_id = str(event.originator_id)
        agency = self.agencies[self.agency_of_deduction[ded_id]]
        return agency, agency.deductions[ded_id]

    def _on_DeductionWithdrawn(self, position: int, e: Any, changes: Changes) -> None:
        agency, d = self._deduction_for(e)

        def mutate() -> None:
            d.withdrawn, d.withdrawal_reason = True, e.reason
        self._change_deduction(agency, d, mutate, position, e, changes,
                               f"{coded(d.rule_code)} found {d.found_on} withdrawn: {e.reason}")

    def _on_RectificationRecorded(self, position: int, e: Any, changes: Changes) -> None:
        agency, d = self._deduction_for(e)

        def mutate() -> None:
            d.rectified_on, d.rectification_note = e.completed_on, e.note
        timing = "on time" if e.on_time else "late"
        self._change_deduction(agency, d, mutate, position, e, changes,
                               f"{coded(d.rule_code)} found {d.found_on} rectified on "
                               f"{e.completed_on} "
                               f"({timing}; due {d.rectification_due})")

    def _on_DisputeFiled(self, position: int, e: Any, changes: Changes) -> None:
        agency, d = self._deduction_for(e)

        def mutate() -> None:
            d.dispute = DisputeState(str(e.dispute_id), e.grounds, e.filed_on, e.review_due,
                                     intern(e.recorded_by), position,
                                     calendar=intern(e.calendar))
        self._change_deduction(agency, d, mutate, position, e, changes,
                               f"{coded(d.rule_code)} found {d.found_on} disputed on {e.filed_on}; "
                               f"pending until reviewed (due {e.review_due})")

    def _on_DisputeResolved(self, position: int, e: Any, changes: Changes) -> None:
        agency, d = self._deduction_for(e)

        def mutate() -> None:
            assert d.dispute is not None
            s = d.dispute
            s.outcome, s.points, s.reasoning = e.outcome, e.points, e.reasoning
            s.decided_on, s.decided_by = e.decided_on, e.recorded_by
        detail = f" to {e.points} points" if e.outcome == "reduced" else ""
        self._change_deduction(agency, d, mutate, position, e, changes,
                               f"{coded(d.rule_code)} found {d.found_on}: dispute {e.outcome}"
                               f"{detail}; "
                               f"{e.reasoning}")

    def _change_deduction(self, agency: AgencyState, d: DeductionState,
                          mutate: Callable[[], None], position: int, e: Any, changes: Changes,
                          summary: str) -> None:
        """Apply a change to one deduction and trail every month whose score it moved.

        A change can alter the doubling of same-code deductions found up to 90 days later,
        so their months are re-scored with the deduction's own; no other month's score
        depends on this deduction.
        """
        doubled = [o for o in agency.same_code(d.rule_code)
                   if in_doubling_window(d.found_on, o.found_on)]
        months = sorted({d.month} | {o.month for o in doubled})
        scored = [m for m in months if registered_in(agency, m)]  # a change cannot alter it
        # With history, every month's figures before (a version is written only on a change)
        figures = {m: month_figures(agency, m) for m in (months if self.history else scored)}
        before = dict.fromkeys(months) | {m: figures[m].score for m in scored}
        mutate()
        for changed in (d, *doubled):
            changed.forget()
        forget_months(agency, months)
        after = dict.fromkeys(months) | {m: month_figures(agency, m).score for m in scored}
        name = event_name(e)
        if self.history:
            changes.deduction = d.id
            for m in months:
                changes.months_before[(agency.code, m)] = figures[m]
        for m in months:
            changes.months.add((agency.code, m))
            if m == d.month or before[m] != after[m]:
                changes.trail.append(TrailEntry(
                    agency.code, m, position, e.timestamp, e.recorded_by, name, d.id,
                    summary + imported_from(e), before[m], after[m]))
        changes.agencies.add(agency.code)

    # -- training and publications --------------------------------------------------------

    def _on_TrainingSessionHeld(self, position: int, e: Any, changes: Changes) -> None:
        session = SessionState(str(e.originator_id), intern(e.kind), e.held_on, e.topic, e.hours,
                               e.timestamp)
        self.sessions[session.id] = session
        changes.sessions.add(session.id)
        changes.streams.append((session.id, "session", None))

    def _attended(self, e: Any, changes: Changes) -> SessionState:
        """An attendance's part in its session (every model has it, whichever agencies it holds)."""
        session = self.sessions[str(e.originator_id)]
        session.attendance += 1
        changes.sessions.add(session.id)
        return session

    def _on_AttendanceRecorded(self, position: int, e: Any, changes: Changes) -> None:
        session = self._attended(e, changes)
        agency = self.agencies[e.agency]
        agency.attendance.append(AttendanceState(session.id, session.kind, session.held_on,
                                                 e.staff_ref, intern(e.staff_name)))
        changes.agencies.add(agency.code)
        changes.attendance.append((session.id, e.agency, e.staff_ref, e.staff_name, position))

    def _on_MonthPublished(self, position: int, e: Any, changes: Changes) -> None:
        publication = Publication(e.month, e.revision, e.published_on, position, e.timestamp,
                                  e.recorded_by)
        self.publications.setdefault(e.month, []).append(publication)
        changes.publications.append(publication)
        if e.revision == 1:
            changes.streams.append((str(e.originator_id), "month", None))

    _on_MonthRepublished = _on_MonthPublished


def handled() -> frozenset[str]:
    """The names of the events the fold applies (a `LedgerModel._on_` method each); it passes
    over every other event."""
    return frozenset(name[4:] for name in dir(LedgerModel) if name.startswith("_on_"))


def imported_from(e: Any) -> str:
    """The file an imported event came from, for its trail entry (ledger.imports.run stamps
    `source_file` and `source_sha256` on each event an import records)."""
    source = e.__dict__.get("source_file")
    return f"; imported from {source} (SHA-256 {e.__dict__.get('source_sha256')})" if source else ""


# Versioners, in the order their rows are produced: each kind of history row adds its own
# module's versioner here (imported last: they use the views, not the model's module).
from ledger.projections.model import history_rows  # noqa: E402

from ledger.projections.model.evaluation_rows import evaluation_versioner  # noqa: E402

VERSIONERS.extend([history_rows.versions, evaluation_versioner])

from ledger.projections.model.secondment_rows import secondment_versioner  # noqa: E402

VERSIONERS.append(secondment_versioner)

from ledger.projections.model.fact_rows import fact_versioner  # noqa: E402

VERSIONERS.append(fact_versioner)
