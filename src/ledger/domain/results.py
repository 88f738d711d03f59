"""The YearResults aggregate: a year's notice (公示), its objections (异议) and final results.

One aggregate per year holds the whole cycle, so its consistency rules are checked inside one
boundary: one notice per year, one objection per agency, finalizing only once every objection
is resolved. The evaluations it freezes are computed by the command from the read side at a
known log position (`head_position`) and carried by the event itself, so the noticed and final
bases are facts of the log: anyone can compare them with the evaluation as of that position.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.domain.base import LedgerCreated, LedgerEvent, ledger_id, not_after_today
from ledger.domain.calendar import SHIPPED_ONLY, WorkingCalendar
from ledger.domain.errors import Conflicting, InvalidInput, NotFound, RuleViolation, collect
from ledger.domain.text import checked_text

NOTICE_DAYS = 5  # the notice period runs through the 5th working day after opened_on
OBJECTION_REVIEW_DAYS = 10
OUTCOMES = ("dismissed", "corrected")


def objection_id(year: int, agency: str) -> str:
    """An objection's id: its year and agency (one objection per agency and year)."""
    return f"{year}-{agency}"


def year_of_objection(objection: str) -> int | None:
    head, _, code = str(objection).partition("-")
    return int(head) if head.isdigit() and len(head) == 4 and code else None


class NoticeOpened(LedgerCreated):
    """The notice of a year: every assessed agency's evaluation frozen (the noticed basis)."""

    year: int
    opened_on: date
    closes_on: date
    calendar: str
    head_position: int  # the log position the evaluations were computed at
    evaluations: dict  # credit code -> the evaluation resource, every field


class ObjectionFiled(LedgerEvent):
    objection_id: str
    year: int
    agency: str
    grounds: str
    filed_on: date
    review_due: date
    calendar: str


class ObjectionResolved(LedgerEvent):
    """A reviewer's decision; `corrected` carries the agency's re-frozen evaluation."""

    objection_id: str
    year: int
    agency: str
    outcome: str
    reasoning: str
    decided_on: date
    head_position: int | None
    evaluation: dict | None


class YearFinalized(LedgerEvent):
    """The final basis: the noticed evaluations with their corrections, frozen for ever."""

    year: int
    finalized_on: date
    evaluations: dict


@dataclass
class Objection:
    id: str
    year: int
    agency: str
    grounds: str
    filed_on: date
    review_due: date
    calendar: str
    recorded_by: str
    outcome: str | None = None
    reasoning: str | None = None
    decided_on: date | None = None
    decided_by: str | None = None


class YearResults(Aggregate):
    """Year Y's annual results: notice, objections, finalization."""

    class_version = 1
    NoticeOpened = NoticeOpened
    ObjectionFiled = ObjectionFiled
    ObjectionResolved = ObjectionResolved
    YearFinalized = YearFinalized

    @staticmethod
    def create_id(year: int, **_: Any):
        return ledger_id("year-results", str(year))

    @classmethod
    def open_notice(cls, year: int, opened_on: date, today: date, head_position: int,
                    evaluations: dict[str, dict], recorded_by: str,
                    calendar: WorkingCalendar = SHIPPED_ONLY) -> "YearResults":
        check_opening(year, opened_on, today)
        closes_on = calendar.working_days_after(opened_on, NOTICE_DAYS)
        return cls(year=year, opened_on=opened_on, closes_on=closes_on,
                   calendar=calendar.basis_between(opened_on, closes_on), head_position=head_position,
                   evaluations=evaluations, recorded_by=recorded_by)

    @event(NoticeOpened)
    def __init__(self, year: int, opened_on: date, closes_on: date, calendar: str,
                 head_position: int, evaluations: dict, recorded_by: str) -> None:
        self.year = year
        self.opened_on = opened_on
        self.closes_on = closes_on
        self.noticed = dict(evaluations)
        self.objections: dict[str, Objection] = {}
        self.finalized_on: date | None = None

    # -- objections ------------------------------------------------------------------------

    def file_objection(self, agency: str, grounds: str, filed_on: date, today: date,
                       recorded_by: str, calendar: WorkingCalendar = SHIPPED_ONLY) -> str:
        grounds = checked_text("grounds", grounds)
        collect(not_after_today("filed_on", filed_on, today))
        if self.finalized_on is not None:
            raise RuleViolation(f"{self.year} 年度结果已于 {self.finalized_on} 定稿，不再受理异议。"
                                f"The results of {self.year} were finalized on "
                                f"{self.finalized_on}; they take no objection.")
        if agency not in self.noticed:
            raise RuleViolation(f"{agency} 没有 {self.year} 年度公示结果。"
                                f"Agency {agency} has no noticed result for {self.year} (it "
                                f"was not assessed in any month of {self.year}).")
        if filed_on < self.opened_on:
            raise RuleViolation(
                f"公示期为 {self.opened_on} 至 {self.closes_on}，尚未开始。"
                f"The notice period of {self.year} runs from {self.opened_on} to "
                f"{self.closes_on}; filed_on {filed_on} is before it opened.")
        if filed_on > self.closes_on:
            raise RuleViolation(
                f"公示期已于 {self.closes_on} 结束，不能再提出异议。"
                f"The notice period of {self.year} closed on {self.closes_on} (5 working days "
                f"after it opened on {self.opened_on}); filed_on {filed_on} is too late.")
        oid = objection_id(self.year, agency)
        if oid in self.objections:
            raise RuleViolation(
                f"本机构已对 {self.year} 年度结果提出过异议（每年一次）。"
                f"Agency {agency} already objected to its {self.year} result (objection {oid}, "
                f"filed {self.objections[oid].filed_on}); one objection per agency and year.")
        review_due = calendar.working_days_after(filed_on, OBJECTION_REVIEW_DAYS)
        self._file(objection_id=oid, year=self.year, agency=agency, grounds=grounds.strip(),
                   filed_on=filed_on, review_due=review_due,
                   calendar=calendar.basis_between(filed_on, review_due), recorded_by=recorded_by)
        return oid

    @event(ObjectionFiled)
    def _file(self, objection_id: str, year: int, agency: str, grounds: str, filed_on: date,
              review_due: date, calendar: str, recorded_by: str) -> None:
        self.objections[objection_id] = Objection(objection_id, year, agency, grounds, filed_on,
                                                  review_due, calendar, recorded_by)

    def objection(self, oid: str) -> Objection:
        found = self.objections.get(oid)
        if found is None:
            raise NotFound(f"No objection {oid}.")
        return found

    def resolve_objection(self, oid: str, outcome: str, reasoning: str, decided_on: date,
                          today: date, head_position: int | None, evaluation: dict | None,
                          recorded_by: str) -> None:
        objection = self.objection(oid)
        problems = []
        if outcome not in OUTCOMES:
            problems.append(("outcome", f"must be one of {', '.join(OUTCOMES)}, got {outcome!r}"))
        try:
            reasoning = checked_text("reasoning", reasoning)
        except InvalidInput as error:
            problems.extend((k, " ".join(v)) for k, v in error.errors.items())
        problems.append(not_after_today("decided_on", decided_on, today))
        if decided_on < objection.filed_on:
            problems.append(("decided_on", Conflicting(
                f"must not be before the objection was filed ({objection.filed_on}), "
                f"got {decided_on}")))
        collect(*problems)
        if objection.outcome is not None:
            raise RuleViolation(f"异议 {oid} 已作出复核决定。Objection {oid} was already decided ({objection.outcome}, on "
                                f"{objection.decided_on}).")
        if self.finalized_on is not None:  # cannot happen: finalizing needs every one decided
            raise RuleViolation(f"The results of {self.year} are final.")
        corrected = outcome == "corrected"
        self._resolve(objection_id=oid, year=self.year, agency=objection.agency,
                      outcome=outcome, reasoning=reasoning.strip(), decided_on=decided_on,
                      head_position=head_position if corrected else None,
                      evaluation=evaluation if corrected else None, recorded_by=recorded_by)

    @event(ObjectionResolved)
    def _resolve(self, objection_id: str, year: int, agency: str, outcome: str, reasoning: str,
                 decided_on: date, head_position: int | None, evaluation: dict | None,
                 recorded_by: str) -> None:
        objection = self.objections[objection_id]
        objection.outcome, objection.reasoning = outcome, reasoning
        objection.decided_on, objection.decided_by = decided_on, recorded_by
        if evaluation is not None:
            self.noticed[agency] = evaluation

    # -- finalization ----------------------------------------------------------------------

    def open_objections(self) -> list[Objection]:
        return [o for o in self.objections.values() if o.outcome is None]

    def finalize(self, finalized_on: date, today: date, recorded_by: str) -> None:
        collect(not_after_today("finalized_on", finalized_on, today))
        if self.finalized_on is not None:
            raise RuleViolation(f"{self.year} 年度结果已定稿。"
                                f"The results of {self.year} were already finalized on "
                                f"{self.finalized_on}.")
        if finalized_on <= self.closes_on:
            raise RuleViolation(
                f"公示期至 {self.closes_on}，须在其后定稿。"
                f"The notice period of {self.year} runs through {self.closes_on}; finalize on "
                f"a later day (finalized_on {finalized_on} is not after it).")
        missing = self.open_objections()
        if missing:
            listed = ", ".join(f"{o.id} ({o.agency}, filed {o.filed_on})" for o in missing)
            raise RuleViolation(f"尚有 {len(missing)} 件异议未复核：{listed}。"
                                f"{len(missing)} objection(s) of {self.year} are not resolved "
                                f"yet: {listed}. Resolve them first.")
        self._finalize(year=self.year, finalized_on=finalized_on,
                       evaluations=dict(self.noticed), recorded_by=recorded_by)

    @event(YearFinalized)
    def _finalize(self, year: int, finalized_on: date, evaluations: dict,
                  recorded_by: str) -> None:
        self.finalized_on = finalized_on


def check_opening(year: int, opened_on: date, today: date) -> None:
    """A notice opens on or after January 1 of the next year, not after today."""
    if not 1900 <= year <= 2999:
        raise InvalidInput.field("year", f"must be between 1900 and 2999, got {year}")
    first = date(year + 1, 1, 1)
    collect(
        not_after_today("opened_on", opened_on, today),
        ("opened_on", None if opened_on >= first
         else Conflicting(f"must be on or after {first.isoformat()} (the year {year} must "
                          f"have ended), got {opened_on.isoformat()}")),
    )
