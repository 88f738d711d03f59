"""The scoring rules of docs/RULES.md as pure functions over plain facts (no I/O, no clock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

STANDING, PENDING, REDUCED, OVERTURNED, WITHDRAWN = (
    "standing", "pending", "reduced", "overturned", "withdrawn",
)
COUNTING = frozenset({STANDING, REDUCED})
DOUBLING_WINDOW_DAYS = 90
HUNDRED = Decimal(100)
ZERO = Decimal(0)


def deduction_status(withdrawn: bool, disputed: bool, outcome: str | None) -> str:
    """standing, pending, reduced, overturned or withdrawn, from what has happened to it."""
    if withdrawn:
        return WITHDRAWN
    if not disputed or outcome == "upheld":
        return STANDING
    if outcome is None:
        return PENDING
    return REDUCED if outcome == "reduced" else OVERTURNED


@dataclass(frozen=True, slots=True)
class DeductionFacts:
    """What the scoring rules need to know of one deduction."""

    id: str
    rule_code: str
    base_points: Decimal
    serious: bool
    rectifiable: bool
    found_on: date
    rectification_due: date | None
    status: str = STANDING
    reduced_points: Decimal | None = None
    rectified_on: date | None = None

    @property
    def counting(self) -> bool:
        return self.status in COUNTING

    @property
    def month(self) -> str:
        return self.found_on.strftime("%Y-%m")

    @property
    def rectified_on_time(self) -> bool | None:
        if self.rectified_on is None or self.rectification_due is None:
            return None
        return on_time(self.rectified_on, self.rectification_due)


def on_time(completed_on: date, due: date) -> bool:
    """A rectification completed on `completed_on` is on time: on or before its due date."""
    return completed_on <= due


def in_doubling_window(earlier: date, later: date) -> bool:
    """A same-code deduction found on `earlier` can double one found on `later`: it was
    found in the 90 days before (never the same day)."""
    return later - timedelta(days=DOUBLING_WINDOW_DAYS) <= earlier < later


@dataclass(frozen=True, slots=True)
class Effect:
    """The effect of one deduction on its month: effective and pending points."""

    effective_points: Decimal
    pending_points: Decimal
    doubled: bool
    restored: bool


def doubles(deduction: DeductionFacts, others: list[DeductionFacts]) -> bool:
    """True if another counting deduction of the same code was found in the 90 days before."""
    return any(
        o.id != deduction.id
        and o.rule_code == deduction.rule_code
        and o.counting
        and in_doubling_window(o.found_on, deduction.found_on)
        for o in others
    )


def effect(deduction: DeductionFacts, others: list[DeductionFacts]) -> Effect:
    """Steps 1–4 of 'Effective points' for one deduction among the agency's others."""
    start = (
        deduction.reduced_points
        if deduction.status == REDUCED and deduction.reduced_points is not None
        else deduction.base_points
    )
    doubled = doubles(deduction, others)
    points = start * 2 if doubled else start
    restored = bool(deduction.rectifiable and not deduction.serious and deduction.rectified_on_time)
    if restored:
        points = points - points / 2
    if deduction.counting:
        return Effect(points, ZERO, doubled, restored)
    if deduction.status == PENDING:
        return Effect(ZERO, points, doubled, restored)
    return Effect(ZERO, ZERO, False, False)


def effects(deductions: list[DeductionFacts]) -> dict[str, Effect]:
    """The effect of each of one agency's deductions, keyed by deduction id."""
    by_code: dict[str, list[DeductionFacts]] = {}
    for d in deductions:
        by_code.setdefault(d.rule_code, []).append(d)
    return {d.id: effect(d, by_code[d.rule_code]) for d in deductions}


@lru_cache(maxsize=4096)
def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of a `YYYY-MM` month."""
    year, mon = int(month[:4]), int(month[5:7])
    first = date(year, mon, 1)
    nxt = date(year + (mon == 12), mon % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def registered_in_month(registered_on: date, deregistered_on: date | None, month: str) -> bool:
    """Registered by M's last day and not deregistered before M's first day."""
    first, last = month_bounds(month)
    return registered_on <= last and (deregistered_on is None or deregistered_on >= first)


def assessed(registered_on: date, deregistered_on: date | None, month: str, today: date) -> bool:
    """Registered in M (`registered_in_month`), and M has begun."""
    return month_bounds(month)[0] <= today and registered_in_month(registered_on,
                                                                   deregistered_on, month)


def month_score(month_effects: list[Effect]) -> Decimal:
    """max(0, 100 − Σ effective points of the month's deductions): a month without
    deductions scores 100."""
    return max(ZERO, HUNDRED - sum((e.effective_points for e in month_effects), ZERO))


def round2(value: Fraction | Decimal) -> Decimal:
    """Round half-up to two decimals, exactly (no intermediate rounding)."""
    return round2_ratio(*value.as_integer_ratio())  # exact for Fraction and Decimal


def round2_ratio(numerator: int, denominator: int) -> Decimal:
    """`round2` of numerator / denominator (denominator > 0; the ratio need not be reduced)."""
    cents, rest = divmod(numerator * 100, denominator)
    if 2 * rest >= denominator:  # the part below a cent is at least half a cent
        cents += 1
    return _in_cents(cents)


@lru_cache(maxsize=1 << 16)
def _in_cents(cents: int) -> Decimal:
    """`cents` hundredths, normalised (kept: a fold rounds hundreds of thousands of means and
    scores, nearly all between 0 and 100; a Decimal is immutable)."""
    return normalise(Decimal(cents) / 100)


def normalise(value: Decimal) -> Decimal:
    """Drop trailing zeros so 99.50 prints as 99.5 and 100.00 as 100."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
