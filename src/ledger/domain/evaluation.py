"""The annual evaluation (年评价) of docs/RULES.md as a pure function over one agency's year."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import NamedTuple

from ledger.domain.scoring import ZERO, DeductionFacts, Effect, round2, round2_ratio

BONUS_CAP = Fraction(5)
ONLINE_PER_PERSON_TIME, ONLINE_CAP = Fraction(1, 5), Fraction(2)
SECONDMENT_MIN_DAYS, SECONDMENT_CAP = 30, 2
INTERVIEW_AT, KEY_INSPECTION_AT = 20, 40
NOT_GRADED, UNQUALIFIED, QUALIFIED, GOOD, EXCELLENT = (
    "not_graded", "unqualified", "qualified", "good", "excellent",
)


@dataclass(frozen=True)
class Attendance:
    """One person-time at a training session."""

    session_kind: str
    held_on: date
    staff_ref: str


@dataclass(frozen=True)
class YearFacts:
    """Everything about one agency that its evaluation for one year depends on."""

    year: int
    monthly_scores: list[Decimal]  # scores of the months of the year in which it is assessed
    deductions: list[tuple[DeductionFacts, Effect]]  # those found in the year
    attendances: list[Attendance]  # at sessions held in the year
    secondments: list[tuple[date, date]]  # (started_on, ended_on) with ended_on in the year
    provincial_score: Decimal | None = None
    ratings: list[Decimal] = field(default_factory=list)  # purchaser ratings rated in the year


@dataclass(frozen=True)
class Evaluation:
    """The evaluation's figures and how they were reached."""

    assessed_months: int
    monthly_mean: Decimal | None
    provincial_score: Decimal | None
    bonus: Decimal
    bonus_parts: dict[str, Decimal]
    bonus_void: bool
    score: Decimal | None
    grade: str
    trained_staff: int
    deducted_points: Decimal
    interview: bool
    key_inspection: bool
    purchaser_ratings: int
    purchaser_rating_mean: Decimal | None
    caps_applied: list[str]


def bonus_parts(facts: YearFacts) -> dict[str, Fraction]:
    """Online, lecture and secondment parts of the bonus, each within its own cap."""
    return dict(_bonus(*_bonus_counts(facts))[0])


def _bonus_counts(facts: YearFacts) -> tuple[int, int, int]:
    """What the bonus counts: online person-times, quarters with a lecture, long secondments."""
    online, quarters, _ = attendance_part(facts.attendances)
    return online, quarters, secondment_part(facts.secondments)


@lru_cache(maxsize=1 << 12)
def _bonus(online: int, quarters: int, long_secondments: int) -> tuple[dict, Fraction, dict]:
    """The bonus parts of these counts, their total and the parts rounded (kept: few counts
    recur across every evaluation the fold stores)."""
    parts = {
        "online": min(ONLINE_CAP, online * ONLINE_PER_PERSON_TIME),
        "lecture": Fraction(1) if quarters == 4 else Fraction(0),
        "secondment": Fraction(min(SECONDMENT_CAP, long_secondments)),
    }
    return parts, sum(parts.values(), Fraction(0)), {k: round2(v) for k, v in parts.items()}


def evaluate(facts: YearFacts) -> Evaluation:
    """Compute every field of the annual evaluation for one agency and year."""
    return evaluate_months(facts, [len(facts.monthly_scores)])[0]


def evaluate_months(facts: YearFacts, counts: list[int]) -> list[Evaluation]:
    """The evaluation counting only the first n of `facts.monthly_scores`, for each n in
    `counts` (the months begun so far differ; every other fact is the same, so what does not
    depend on the months is computed once: `evaluate_split`)."""
    shared, varying = evaluate_split(facts, counts)
    return [Evaluation(assessed_months=months, monthly_mean=mean, score=score, grade=grade,
                       caps_applied=caps,
                       **{**shared, "bonus_parts": dict(shared["bonus_parts"])})
            for months, mean, score, grade, caps in varying]


def evaluate_split(facts: YearFacts, counts: list[int]) -> tuple[dict, list[tuple]]:
    """The evaluation's fields that do not depend on the months counted (`Evaluation`'s
    other fields, by name), once; and for each n in `counts` those that do: (assessed_months,
    monthly_mean, score, grade, caps_applied), counting the first n monthly scores."""
    return evaluate_parts(year_parts(facts), facts.monthly_scores, counts)


class YearParts(NamedTuple):
    """What the evaluation takes of a year's facts besides its monthly scores, each part
    from one kind of fact (`deduction_part`, `attendance_part`, `secondment_part`,
    `rating_part`): a reader that keeps a year's parts need not gather again the facts
    that did not change."""

    deductions: tuple[bool, Decimal, bool, int]
    attendance: tuple[int, int, int]
    long_secondments: int
    provincial_score: Decimal | None
    ratings: tuple[int, Decimal | None]


def year_parts(facts: YearFacts) -> YearParts:
    return YearParts(deduction_part(facts.deductions), attendance_part(facts.attendances),
                     secondment_part(facts.secondments), facts.provincial_score,
                     rating_part(facts.ratings))


def deduction_part(deductions: list[tuple[DeductionFacts, Effect]]) -> tuple[bool, Decimal,
                                                                            bool, int]:
    """Of the counting deductions: (any serious, points deducted, any D18, how many D12)."""
    serious = d18 = False
    d12, deducted = 0, ZERO
    for d, e in deductions:
        if d.counting:
            deducted = deducted + e.effective_points
            if d.serious:
                serious = True
            code = d.rule_code
            if code == "D18":
                d18 = True
            elif code == "D12":
                d12 += 1
    return serious, deducted, d18, d12


def attendance_part(attendances: list[Attendance]) -> tuple[int, int, int]:
    """(online person-times, quarters with a lecture, distinct staff trained)."""
    online = sum(1 for a in attendances if a.session_kind == "online")
    quarters = {(a.held_on.month - 1) // 3 for a in attendances if a.session_kind == "lecture"}
    return online, len(quarters), len({a.staff_ref for a in attendances})


def secondment_part(secondments: list[tuple[date, date]]) -> int:
    """How many secondments lasted long enough to count towards the bonus."""
    return sum(1 for start, end in secondments if (end - start).days + 1 >= SECONDMENT_MIN_DAYS)


def rating_part(ratings: list[Decimal]) -> tuple[int, Decimal | None]:
    """(how many purchaser ratings, their mean rounded or None)."""
    if not ratings:
        return 0, None
    return len(ratings), round2(Fraction(sum(ratings, ZERO)) / len(ratings))


@lru_cache(maxsize=1 << 12)
def _bonus_given(online: int, quarters: int, long_secondments: int,
                 void: bool) -> tuple[Decimal, tuple[int, int], tuple[str, ...], dict]:
    """The bonus of these counts, void or not: rounded, as an exact ratio, the caps it
    applies, and its parts rounded (kept: few counts recur across every evaluation)."""
    _, total, rounded_parts = _bonus(online, quarters, long_secondments)
    bonus = Fraction(0) if void else min(BONUS_CAP, total)
    caps = ("bonus void: counting serious deduction",) if void \
        else ("bonus capped at 5",) if total > BONUS_CAP else ()
    return round2(bonus), bonus.as_integer_ratio(), caps, rounded_parts


def evaluate_parts(parts: YearParts, monthly_scores: list[Decimal],
                   counts: list[int]) -> tuple[dict, list[tuple]]:
    """`evaluate_split` of the facts whose parts are `parts`."""
    any_serious, deducted, d18, d12 = parts.deductions
    online, quarters, trained = parts.attendance
    rounded_bonus, (bonus_n, bonus_d), shared_caps, rounded_parts = _bonus_given(
        online, quarters, parts.long_secondments, any_serious)
    ratings, rating_mean = parts.ratings
    provincial = parts.provincial_score
    shared = dict(
        provincial_score=provincial,
        bonus=rounded_bonus,
        bonus_parts=dict(rounded_parts),
        bonus_void=any_serious,
        trained_staff=trained,
        deducted_points=deducted,
        interview=deducted >= INTERVIEW_AT,
        key_inspection=deducted >= KEY_INSPECTION_AT,
        purchaser_ratings=ratings,
        purchaser_rating_mean=rating_mean,
    )
    flags = _GradeFlags(d18, any_serious, d12)
    # Per number of months counted, in exact integer ratios (what Fraction would compute,
    # without its objects: this runs for every through of every evaluation the fold stores):
    # mean = sum of the first n scores / n; base = mean, or 3/5 mean + 2/5 provincial when
    # there is a provincial score; raw = base + bonus; score = raw rounded, at most 100.
    if provincial is not None:
        prov_n, prov_d = provincial.as_integer_ratio()
    # sum(scores[:n], ZERO) for every n counted, by the same additions in the same order
    prefix, running = [ZERO], ZERO
    for value in monthly_scores[:max(counts, default=0)]:
        running = running + value
        prefix.append(running)
    varying = []
    for months in counts:
        caps = list(shared_caps)
        mean = score = None
        if months:
            sum_n, sum_d = prefix[months].as_integer_ratio()
            mean_n, mean_d = sum_n, sum_d * months
            if provincial is None:
                raw_n, raw_d = mean_n * bonus_d + bonus_n * mean_d, mean_d * bonus_d
            else:
                raw_n = (3 * mean_n * prov_d + 2 * prov_n * mean_d) * bonus_d \
                    + 5 * bonus_n * mean_d * prov_d
                raw_d = 5 * mean_d * prov_d * bonus_d
            if raw_n > 100 * raw_d:
                caps.append("score capped at 100")
                raw_n, raw_d = 100, 1
            score = round2_ratio(raw_n, raw_d)
            mean = round2_ratio(mean_n, mean_d)
        grade = _grade(months, score, flags, trained, caps)
        varying.append((months, mean, score, grade, caps))
    return shared, varying


@dataclass(frozen=True, slots=True)
class _GradeFlags:
    """What the grade rules ask of the counting deductions."""

    d18: bool
    serious: bool
    d12: int


def grade_for(months: int, score: Decimal | None, counting: list, trained: int, caps: list) -> str:
    """Grade rules 1–6, in order."""
    flags = _GradeFlags(any(d.rule_code == "D18" for d, _ in counting),
                        any(d.serious for d, _ in counting),
                        sum(1 for d, _ in counting if d.rule_code == "D12"))
    return _grade(months, score, flags, trained, caps)


def _grade(months: int, score: Decimal | None, flags: _GradeFlags, trained: int,
           caps: list) -> str:
    """Grade rules 1–6, in order (`grade_for`), the counting deductions' part given once."""
    if months < 3 or score is None:
        return NOT_GRADED
    if flags.d18 or score < 60:
        return UNQUALIFIED
    grade = EXCELLENT if score >= 90 else GOOD if score >= 80 else QUALIFIED
    if grade == EXCELLENT and flags.serious:
        grade = GOOD
        caps.append("excellent lowered to good: counting serious deduction")
    if flags.d12 >= 3 and grade in (EXCELLENT, GOOD):
        grade = QUALIFIED
        caps.append("at most qualified: 3 or more counting D12")
    if trained < 5 and grade in (EXCELLENT, GOOD):
        grade = QUALIFIED
        caps.append("at most qualified: fewer than 5 trained staff")
    return grade
