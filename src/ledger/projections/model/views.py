"""Figures derived from fold state: month scores, resources, evaluations, rankings (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from ledger.domain.evaluation import (
    Attendance, YearParts, attendance_part, deduction_part, evaluate_parts, rating_part,
    secondment_part,
)
from ledger.domain.scoring import (
    ZERO, Effect, assessed, effect, in_doubling_window, month_bounds, month_score, normalise,
    on_time, registered_in_month,
)
from ledger.projections.model.state import AgencyState, DeductionState


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """One agency's month: score, counted and pending points, each deduction's effect."""

    score: Decimal
    deducted_points: Decimal
    pending_points: Decimal
    effects: dict[str, Effect]


def deduction_effect(agency: AgencyState, deduction: DeductionState) -> Effect:
    """The deduction's effect, kept on it until the fold changes it or one that can double it."""
    kept = deduction._effect
    if kept is None:
        # Only same-code deductions found in the 90 days before can double it (scoring.doubles).
        others = [d.facts() for d in agency.same_code(deduction.rule_code)
                  if in_doubling_window(d.found_on, deduction.found_on)]
        kept = deduction._effect = effect(deduction.facts(), others)
    return kept


def month_figures(agency: AgencyState, month: str) -> MonthFigures:
    """The month's figures, computed once and kept on the state until a change forgets them.

    The fold is the only code that changes a folded agency, and it calls `forget_months` for
    every month a change can move (see `fold.LedgerModel._change_deduction`).
    """
    cache = agency.__dict__.setdefault("_figures", {})
    figures = cache.get(month)
    if figures is None:
        figures = cache[month] = figures_of(
            {d.id: deduction_effect(agency, d) for d in agency.deductions_in(month)})
    return figures


def figures_of(effects: dict[str, Effect]) -> MonthFigures:
    """A month's figures from the effects of its deductions."""
    values = list(effects.values())
    return MonthFigures(
        score=month_score(values),
        deducted_points=sum((e.effective_points for e in values), ZERO),
        pending_points=sum((e.pending_points for e in values), ZERO),
        effects=effects,
    )


# A month with no deduction (no stored month row): a score of 100, nothing deducted or pending.
NO_DEDUCTIONS = figures_of({})


def stored_figures(stored: tuple[str, str, str] | None) -> MonthFigures:
    """A month's figures from a stored month row's (score, deducted, pending) strings; None
    (no row: nothing was deducted in the month) gives `NO_DEDUCTIONS`."""
    if stored is None:
        return NO_DEDUCTIONS
    score, deducted, pending = (Decimal(v) for v in stored)
    return MonthFigures(score, deducted, pending, {})


def forget_all_months(agency: AgencyState) -> None:
    """Drop every kept month figure, and what is kept by year (`YearKept`) and the
    attendance by year (recomputed when next asked for)."""
    agency.__dict__.pop("_figures", None)
    agency.__dict__.pop("_years", None)
    agency.__dict__.pop("_attendance_by_year", None)


def forget_months(agency: AgencyState, months: list[str]) -> None:
    """Drop the kept figures of months whose deductions changed."""
    cache = agency.__dict__.get("_figures")
    if cache:
        for month in months:
            cache.pop(month, None)
    years = agency.__dict__.get("_years")
    if years:
        for month in months:
            kept = years.get(int(month[:4]))
            if kept is not None:
                kept.months = kept.deductions = None


def registered_in(agency: AgencyState, month: str) -> bool:
    """Assessed in `month` as far as registration goes (the month having begun aside)."""
    return registered_in_month(agency.registered_on, agency.deregistered_on, month)


def score_in(agency: AgencyState, month: str) -> Decimal | None:
    """The month's score, or None where the agency is not assessed in it."""
    return month_figures(agency, month).score if registered_in(agency, month) else None


def deduction_resource(d: DeductionState, e: Effect) -> dict:
    """The deduction resource of docs/API.md."""
    rectification = None
    if d.rectified_on is not None:
        rectification = {"completed_on": d.rectified_on,
                         "on_time": on_time(d.rectified_on, d.rectification_due),
                         "note": d.rectification_note}
    return {
        "id": d.id, "agency": d.agency, "rule_code": d.rule_code,
        "rule_version": d.rule_version, "base_points": normalise(d.base_points),
        "found_on": d.found_on, "notified_on": d.notified_on, "month": d.month,
        "status": d.status, "effective_points": normalise(e.effective_points),
        "pending_points": normalise(e.pending_points), "doubled": e.doubled,
        "restored": e.restored, "rectification_due": d.rectification_due,
        "rectification": rectification, "dispute_id": d.dispute.id if d.dispute else None,
        "dispute_deadline": d.dispute_deadline, "calendar": d.calendar,
        "reason": d.reason, "project_ref": d.project_ref, "evidence": d.evidence,
        "withdrawal_reason": d.withdrawal_reason,
        "recorded_by": d.recorded_by, "recorded_at": d.recorded_at, "position": d.position,
    }


def rectification_state(d: dict, today: date) -> str:
    """none (nothing due, or the deduction is void), on_time, late, open or overdue."""
    if d["rectification_due"] is None or d["status"] in ("withdrawn", "overturned"):
        return "none"
    if d["rectification"] is not None:
        return "on_time" if d["rectification"]["on_time"] else "late"
    # Overdue: a rectification completed today would no longer be on time.
    return "open" if on_time(today, d["rectification_due"]) else "overdue"


def dispute_resource(d: DeductionState, today: date) -> dict:
    """The dispute resource of docs/API.md."""
    s = d.dispute
    assert s is not None
    return {
        "id": s.id, "deduction_id": d.id, "agency": d.agency, "grounds": s.grounds,
        "filed_on": s.filed_on, "review_due": s.review_due, "status": s.outcome or "open",
        "outcome": s.outcome, "points": normalise(s.points) if s.points is not None else None,
        "reasoning": s.reasoning, "decided_on": s.decided_on, "decided_by": s.decided_by,
        "overdue": dispute_overdue(s.outcome, s.review_due, today),
        "deduction_withdrawn": d.withdrawn, "filed_by": s.filed_by, "position": s.position,
        "calendar": s.calendar,
    }


def dispute_overdue(outcome: str | None, review_due: date, today: date) -> bool:
    """A dispute is overdue while it is undecided after its review date."""
    return outcome is None and today > review_due


def dispute_on(stored: dict, today: date) -> dict:
    """A stored dispute resource (`stored_deduction`: as of the day its deduction was found)
    as it reads on `today`: `overdue` is the one field that depends on the day."""
    return {**stored, "overdue": dispute_overdue(stored["outcome"], stored["review_due"], today)}


def stored_deduction(d: DeductionState, e: Effect) -> dict:
    """What a deduction's stored rows keep: its resource and its dispute's (as of the day it
    was found: `overdue` depends on the day it is read)."""
    return {"deduction": deduction_resource(d, e),
            "dispute": dispute_resource(d, d.found_on) if d.dispute else None}


def month_resource(agency: AgencyState, month: str, today: date) -> dict:
    figures = month_figures(agency, month)
    deductions = sorted(agency.deductions_in(month), key=lambda d: d.position)
    return month_answer(agency.code, month,
                        assessed(agency.registered_on, agency.deregistered_on, month, today),
                        figures, [deduction_resource(d, figures.effects[d.id])
                                  for d in deductions])


def month_answer(code: str, month: str, is_assessed: bool, figures: MonthFigures,
                 deductions: list[dict]) -> dict:
    """The month resource of docs/API.md from its figures and its deductions' resources (in
    log order)."""
    return {
        "agency": code, "month": month, "assessed": is_assessed,
        "score": normalise(figures.score) if is_assessed else None,
        "deducted_points": normalise(figures.deducted_points),
        "pending_points": normalise(figures.pending_points),
        "deductions": deductions,
    }


def year_months(year: int) -> list[str]:
    return list(_year_months(year))


@lru_cache(maxsize=256)
def _year_months(year: int) -> tuple[str, ...]:
    return tuple(f"{year:04d}-{m:02d}" for m in range(1, 13))


def through_of(year: int, today: date) -> int:
    """How many months of `year` have begun by `today` (0 to 12): all an evaluation takes of
    today (`scoring.assessed`: a month is assessed only once it has begun)."""
    if today.year != year:
        return 12 if today.year > year else 0
    return today.month


def evaluation_resource(agency: AgencyState, year: int, today: date) -> dict:
    """The annual evaluation of docs/API.md, with how it was computed."""
    through = through_of(year, today)
    return evaluation_resources(agency, year, [through])[through]


# The evaluation's fields that depend on the months of the year begun (its through); the
# others are the same for every through of one state of the agency.
EVALUATION_VARYING = ("assessed_months", "monthly_mean", "score", "grade", "caps_applied")


def evaluation_resources(agency: AgencyState, year: int, throughs: list[int]) -> dict[int, dict]:
    """The evaluation as it reads once each of `throughs` months of the year have begun."""
    base, by = evaluation_parts(agency, year, throughs)
    return {through: assembled(base, varying) for through, varying in zip(throughs, by)}


def assembled(base: dict, varying: dict) -> dict:
    """The evaluation resource from its two parts (`evaluation_parts`), in the field order of
    docs/API.md: the one shape every reader returns, and that a year's notice keeps."""
    return {
        "agency": base["agency"], "name": base["name"], "year": base["year"],
        "assessed_months": varying["assessed_months"], "monthly_mean": varying["monthly_mean"],
        "provincial_score": base["provincial_score"], "bonus": base["bonus"],
        "bonus_parts": dict(base["bonus_parts"]), "bonus_void": base["bonus_void"],
        "score": varying["score"], "grade": varying["grade"],
        "trained_staff": base["trained_staff"], "deducted_points": base["deducted_points"],
        "interview": base["interview"], "key_inspection": base["key_inspection"],
        "purchaser_rating_mean": base["purchaser_rating_mean"],
        "purchaser_ratings": base["purchaser_ratings"],
        "caps_applied": varying["caps_applied"],
    }


def evaluation_parts(agency: AgencyState, year: int,
                     throughs: list[int]) -> tuple[dict, list[dict]]:
    """The evaluation of docs/API.md split in two: the fields that are the same whatever the
    through (`base`, once), and for each of `throughs` the `EVALUATION_VARYING` fields.

    The year's facts are taken as the evaluation's parts (`evaluation_inputs`), and what
    does not depend on the months counted is computed once (`evaluation.evaluate_parts`).
    """
    parts, months, scores = evaluation_inputs(agency, year)
    shared, varying = evaluate_parts(parts, scores, _counts(months, tuple(throughs)))
    base = {
        "agency": agency.code, "name": agency.name, "year": year,
        "provincial_score": _n(shared["provincial_score"]), "bonus": shared["bonus"],
        "bonus_parts": shared["bonus_parts"], "bonus_void": shared["bonus_void"],
        "trained_staff": shared["trained_staff"],
        "deducted_points": normalise(shared["deducted_points"]),
        "interview": shared["interview"], "key_inspection": shared["key_inspection"],
        "purchaser_rating_mean": shared["purchaser_rating_mean"],
        "purchaser_ratings": shared["purchaser_ratings"],
    }
    return base, [{"assessed_months": n, "monthly_mean": mean, "score": score, "grade": grade,
                   "caps_applied": caps} for n, mean, score, grade, caps in varying]


@lru_cache(maxsize=1 << 12)
def _counts(months: tuple[str, ...], throughs: tuple[int, ...]) -> list[int]:
    """How many of `months` have begun once each of `throughs` months of the year have."""
    begun = [int(m[5:]) for m in months]
    return [sum(1 for month in begun if month <= through) for through in throughs]


class YearKept:
    """What is kept of one agency-year for its evaluation, on the agency's state
    (`year_kept`): the year's parts and monthly scores (`evaluation_inputs`), each until a
    fact of its kind changes."""

    __slots__ = ("months", "scores", "deductions", "attendance", "ratings")

    def __init__(self) -> None:
        # months: those the scores are of; None: to be computed again (`forget_months`)
        self.months: tuple[str, ...] | None = None
        self.scores: list[Decimal] = []
        self.deductions: tuple | None = None  # None: to be computed again (`forget_months`)
        self.attendance: tuple = (-1, None)  # (the year's number of entries, part)
        self.ratings: tuple = (-1, None)  # (the agency's number of ratings, part)


def year_kept(agency: AgencyState, year: int) -> YearKept:
    years = agency.__dict__.get("_years")
    if years is None:
        years = agency.__dict__["_years"] = {}
    kept = years.get(year)
    if kept is None:
        kept = years[year] = YearKept()
    return kept


def evaluation_inputs(agency: AgencyState,
                      year: int) -> tuple[YearParts, tuple[str, ...], list[Decimal]]:
    """What the evaluation of an agency-year takes of its state: the year's parts
    (`evaluation.YearParts`), the months of the year registration lets it be assessed in,
    and their scores (not to be changed by the caller).

    Kept on the state by year (`YearKept`): the scores and the deduction part until
    `forget_months` drops one of the year's months (the fold calls it for every month a
    change to a deduction can move); the attendance part while the year's number of entries,
    the rating part while the agency's number of ratings is unchanged (both are only
    appended). Secondments and the provincial score are taken as they are.
    """
    months = _registered_months(year, agency.registered_on, agency.deregistered_on)
    kept = year_kept(agency, year)
    if kept.months != months:
        kept.months, kept.scores = months, [month_figures(agency, m).score for m in months]
    deductions = kept.deductions
    if deductions is None:
        by_month = agency._index()[0]
        deductions = kept.deductions = deduction_part(
            [(d.facts(), deduction_effect(agency, d))
             for m in _year_months(year) for d in by_month.get(m, ())])
    entries = _year_attendance(agency, year)
    attendance = kept.attendance
    if attendance[0] != len(entries):
        attendance = kept.attendance = (len(entries), attendance_part(entries))
    ratings = kept.ratings
    if ratings[0] != len(agency.ratings):
        ratings = kept.ratings = (len(agency.ratings), rating_part(
            [r.rating for r in agency.ratings if r.rated_on.year == year]))
    parts = YearParts(
        deductions=deductions, attendance=attendance[1],
        long_secondments=secondment_part([(s.started_on, s.ended_on)
                                          for s in agency.secondments.values()
                                          if s.ended_on is not None and s.ended_on.year == year]),
        provincial_score=agency.provincial.get(year), ratings=ratings[1])
    return parts, months, kept.scores


def _year_attendance(agency: AgencyState, year: int) -> list[Attendance]:
    """The agency's attendance at sessions held in `year`, as the evaluation takes it (not
    to be changed by the caller).

    Kept on the state by year: the fold only ever appends attendance, so the index holds
    while the number of entries is unchanged, and is extended by the one appended.
    """
    entries = agency.attendance
    kept = agency.__dict__.get("_attendance_by_year")
    if kept is not None and kept[0] == len(entries) - 1:
        a = entries[-1]
        kept[1].setdefault(a.held_on.year, []).append(Attendance(a.kind, a.held_on, a.staff_ref))
        kept = agency.__dict__["_attendance_by_year"] = (len(entries), kept[1])
    elif kept is None or kept[0] != len(entries):
        by_year: dict[int, list[Attendance]] = {}
        for a in entries:
            by_year.setdefault(a.held_on.year, []).append(
                Attendance(a.kind, a.held_on, a.staff_ref))
        kept = agency.__dict__["_attendance_by_year"] = (len(entries), by_year)
    return kept[1].get(year, _NONE)


_NONE: list = []


@lru_cache(maxsize=1 << 14)
def _registered_months(year: int, registered_on: date,
                       deregistered_on: date | None) -> tuple[str, ...]:
    """The months of the year in which registration lets the agency be assessed."""
    return tuple(m for m in year_months(year)
                 if assessed(registered_on, deregistered_on, m, date.max))


def _n(value: Decimal | None) -> Decimal | None:
    return normalise(value) if value is not None else None


def rank_key(row: dict) -> tuple[Decimal, str]:
    """Where a standings row stands: highest score first, equal scores by credit code."""
    return -row["score"], row["agency"]


def tie_start(key: tuple[Decimal, str]) -> tuple[Decimal, str]:
    """The least rank key of the rows that share `key`'s rank: equal scores share the rank
    of the first of them (1, 2, 2, 4). Credit codes are never empty."""
    return key[0], ""


def ranked(rows: list[dict]) -> list[dict]:
    """The rows ordered by `rank_key`, each given its rank (ties by `tie_start`)."""
    ordered = sorted(rows, key=rank_key)
    previous, rank = None, 0
    for index, row in enumerate(ordered, start=1):
        start = tie_start(rank_key(row))
        if start != previous:
            rank, previous = index, start
        row["rank"] = rank
    return ordered


def standing_row(code: str, name: str, figures: MonthFigures) -> dict:
    """A month's standings row (no rank) of one agency with the month's figures."""
    return {"agency": code, "name": name, "score": normalise(figures.score),
            "deducted_points": normalise(figures.deducted_points),
            "pending_points": normalise(figures.pending_points)}


def month_standing_row(agency: AgencyState, month: str) -> dict:
    return standing_row(agency.code, agency.name, month_figures(agency, month))


def month_standings(agencies: Iterable[AgencyState], month: str) -> list[dict]:
    """A month's current standings, ranked: every one of `agencies` registered in it."""
    return ranked([month_standing_row(a, month) for a in agencies if registered_in(a, month)])


def months_touched(first: date, last: date) -> list[str]:
    """Every month from first's to last's, inclusive."""
    months, (y, m) = [], (first.year, first.month)
    while (y, m) <= (last.year, last.month):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


__all__ = ["month_bounds"]
