"""Effective points: repeat doubling, restoration, statuses; month scores; assessed months."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from ledger.domain.scoring import (
    OVERTURNED, PENDING, REDUCED, WITHDRAWN, DeductionFacts, Effect, assessed, effect, effects,
    month_bounds, month_score, normalise, round2,
)

FOUND = date(2022, 5, 16)
DUE = date(2022, 5, 30)


def facts(id="d", code="D01", found_on=FOUND, points=2, **kw) -> DeductionFacts:
    defaults = dict(serious=False, rectifiable=True, rectification_due=DUE)
    defaults.update(kw)
    return DeductionFacts(id=id, rule_code=code, base_points=Decimal(points), found_on=found_on,
                          **defaults)


def earlier(days_before: int, **kw) -> DeductionFacts:
    return facts(id="earlier", found_on=FOUND - timedelta(days=days_before), **kw)


@pytest.mark.parametrize("days_before", [1, 90])
def test_same_code_found_within_the_90_days_before_doubles(days_before):
    e = effect(facts(), [facts(), earlier(days_before)])
    assert e.doubled and e.effective_points == 4


@pytest.mark.parametrize("days_before", [0, 91])
def test_same_code_found_on_the_same_day_or_91_days_before_does_not_double(days_before):
    e = effect(facts(), [facts(), earlier(days_before)])
    assert not e.doubled and e.effective_points == 2


def test_a_later_deduction_does_not_double_an_earlier_one():
    later = facts(id="later", found_on=FOUND + timedelta(days=1))
    assert not effect(facts(), [facts(), later]).doubled


def test_another_code_does_not_double():
    assert not effect(facts(), [facts(), earlier(10, code="D02")]).doubled


@pytest.mark.parametrize("status", [WITHDRAWN, OVERTURNED, PENDING])
def test_an_earlier_deduction_that_does_not_count_does_not_double(status):
    assert not effect(facts(), [facts(), earlier(10, status=status)]).doubled


def test_an_earlier_reduced_deduction_counts_and_doubles():
    other = earlier(10, status=REDUCED, reduced_points=Decimal(1))
    assert effect(facts(), [facts(), other]).doubled


def test_rectification_on_exactly_the_due_date_restores_half():
    e = effect(facts(rectified_on=DUE), [])
    assert e.restored and e.effective_points == 1


def test_rectification_one_day_after_the_due_date_restores_nothing():
    e = effect(facts(rectified_on=DUE + timedelta(days=1)), [])
    assert not e.restored and e.effective_points == 2


def test_restoration_halves_the_doubled_points():
    d = facts(rectified_on=DUE)
    assert effect(d, [d, earlier(30)]).effective_points == 2


@pytest.mark.parametrize("code", ["D05", "D07", "D10", "D12"])
def test_serious_items_restore_nothing_even_when_rectified_on_time(code):
    d = facts(code=code, points=6, serious=True, rectification_due=DUE, rectified_on=FOUND)
    assert effect(d, []).effective_points == 6


@pytest.mark.parametrize("code,points,serious", [("D17", 3, False), ("D18", 15, True)])
def test_not_rectifiable_items_restore_nothing(code, points, serious):
    # even facts that claim a rectification: the rule, not the data, decides
    d = facts(code=code, points=points, serious=serious, rectifiable=False,
              rectification_due=DUE, rectified_on=FOUND)
    assert effect(d, []).effective_points == points


def test_reduced_deduction_starts_from_the_reviewers_points():
    d = facts(points=3, status=REDUCED, reduced_points=Decimal("1.5"))
    assert effect(d, []).effective_points == Decimal("1.5")


def test_reduced_points_are_doubled_and_restored_exactly():
    d = facts(points=3, status=REDUCED, reduced_points=Decimal("1.5"), rectified_on=DUE)
    assert effect(d, [d, earlier(5)]).effective_points == Decimal("1.5")


def test_pending_deduction_counts_nothing_and_reports_its_would_be_points():
    d = facts(status=PENDING)
    e = effect(d, [d, earlier(5)])
    assert e.effective_points == 0 and e.pending_points == 4


@pytest.mark.parametrize("status", [WITHDRAWN, OVERTURNED])
def test_withdrawn_and_overturned_deductions_count_nothing(status):
    e = effect(facts(status=status), [])
    assert (e.effective_points, e.pending_points, e.doubled) == (0, 0, False)


def test_effects_keys_each_deduction_and_compares_only_within_its_code():
    a, b, c = facts(id="a"), earlier(3), earlier(3, code="D02")
    result = effects([a, replace(b, id="b"), replace(c, id="c")])
    assert result["a"].doubled and not result["b"].doubled and not result["c"].doubled


def effect_of(points) -> Effect:
    return Effect(Decimal(points), Decimal(0), False, False)


def test_month_score_is_100_minus_effective_points():
    assert month_score([effect_of(2), effect_of("0.5")]) == Decimal("97.5")


def test_month_score_is_never_below_zero():
    assert month_score([effect_of(15)] * 7) == 0
    assert month_score([effect_of(15)] * 6 + [effect_of(10)]) == 0


def test_month_without_deductions_scores_100():
    assert month_score([]) == 100


TODAY = date(2022, 6, 15)


def test_agency_registered_on_the_months_last_day_is_assessed_that_month():
    assert assessed(date(2022, 3, 31), None, "2022-03", TODAY)
    assert not assessed(date(2022, 4, 1), None, "2022-03", TODAY)


def test_agency_deregistered_on_the_months_first_day_is_still_assessed():
    assert assessed(date(2020, 1, 1), date(2022, 3, 1), "2022-03", TODAY)
    assert not assessed(date(2020, 1, 1), date(2022, 2, 28), "2022-03", TODAY)


def test_a_month_is_assessed_from_its_first_day_not_before():
    assert assessed(date(2020, 1, 1), None, "2022-06", TODAY)
    assert not assessed(date(2020, 1, 1), None, "2022-07", TODAY)


def test_month_bounds_handle_december_and_february():
    assert month_bounds("2022-12") == (date(2022, 12, 1), date(2022, 12, 31))
    assert month_bounds("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))


@pytest.mark.parametrize("value,expected", [
    (Fraction(1195, 12), "99.58"),
    (Fraction(99745, 1000), "99.75"),  # exactly half a cent rounds up
    (Fraction(99744999, 1000000), "99.74"),
    (Fraction(200), "200"),
    (Decimal("97.50"), "97.5"),
])
def test_round2_rounds_half_up_exactly_and_drops_trailing_zeros(value, expected):
    assert str(round2(value)) == expected


def test_normalise_writes_integers_without_exponent():
    assert str(normalise(Decimal("1E+2"))) == "100"


def _round2_by_definition(value) -> Decimal:
    """Half-up to cents, computed on the exact fraction (the rule as written)."""
    scaled = Fraction(value) * 100
    cents = scaled.numerator // scaled.denominator
    if scaled - cents >= Fraction(1, 2):
        cents += 1
    return normalise(Decimal(cents) / 100)


@pytest.mark.parametrize("numerator", [0, 1, 5, 7, 49, 50, 51, 99, 125, 9975, 10001, 123457])
@pytest.mark.parametrize("denominator", [1, 2, 3, 4, 6, 7, 8, 40, 200, 1000, 3000])
def test_round2_equals_the_rule_on_the_exact_fraction(numerator, denominator):
    value = Fraction(numerator, denominator)
    assert str(round2(value)) == str(_round2_by_definition(value))
    as_decimal = Decimal(numerator) / Decimal(denominator)  # a Decimal as the fold holds them
    assert str(round2(as_decimal)) == str(_round2_by_definition(as_decimal))
