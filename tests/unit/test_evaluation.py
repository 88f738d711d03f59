"""Annual evaluation: mean, provincial weighting, bonus and its caps, flags, grade rules 1–6."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ledger.domain.evaluation import Attendance, YearFacts, evaluate
from ledger.domain.scoring import OVERTURNED, PENDING, STANDING, DeductionFacts, Effect

YEAR = 2022
FIVE_TRAINED = [Attendance("onsite", date(YEAR, 5, 5), f"S-{i}") for i in range(5)]


def deduction(code="D01", points=2, status=STANDING, serious=None):
    serious = code in {"D05", "D07", "D10", "D12", "D18"} if serious is None else serious
    d = DeductionFacts(id=code, rule_code=code, base_points=Decimal(points), serious=serious,
                       rectifiable=code not in {"D17", "D18"}, found_on=date(YEAR, 3, 1),
                       rectification_due=None, status=status)
    counting = status == STANDING
    e = Effect(Decimal(points) if counting else Decimal(0),
               Decimal(points) if status == PENDING else Decimal(0), False, False)
    return d, e


def year(scores=(100,) * 12, deductions=(), attendances=tuple(FIVE_TRAINED), secondments=(),
         provincial=None, ratings=()) -> YearFacts:
    return YearFacts(YEAR, [Decimal(str(s)) for s in scores], list(deductions),
                     list(attendances), list(secondments),
                     Decimal(str(provincial)) if provincial is not None else None,
                     [Decimal(r) for r in ratings])


def online(n: int) -> list[Attendance]:
    return [Attendance("online", date(YEAR, 4, 25), f"O-{i}") for i in range(n)]


def lectures(months) -> list[Attendance]:
    return [Attendance("lecture", date(YEAR, m, 15), "L-1") for m in months]


def secondment(days: int) -> tuple[date, date]:
    start = date(YEAR, 3, 1)
    return start, start + timedelta(days=days - 1)


def test_worked_example_agency_a_scores_99_75_and_is_excellent():
    result = evaluate(year(scores=[99, 96] + [100] * 10, provincial=92,
                           attendances=FIVE_TRAINED + online(6) + lectures([3, 6, 9, 12]),
                           secondments=[secondment(45)]))
    assert result.monthly_mean == Decimal("99.58")
    assert result.bonus == Decimal("3.2")
    assert result.score == Decimal("99.75")
    assert result.grade == "excellent"


def test_without_provincial_score_the_base_is_the_monthly_mean():
    assert evaluate(year(scores=[90] * 12)).score == 90


def test_provincial_score_weighs_four_tenths():
    assert evaluate(year(scores=[100] * 12, provincial=50)).score == 80


def test_online_bonus_is_a_fifth_per_person_time_capped_at_2():
    assert evaluate(year(scores=[80] * 12, attendances=online(9))).bonus == Decimal("1.8")
    assert evaluate(year(scores=[80] * 12, attendances=online(10))).bonus == 2
    assert evaluate(year(scores=[80] * 12, attendances=online(11))).bonus == 2


def test_lecture_bonus_needs_a_lecture_in_each_of_the_four_quarters():
    assert evaluate(year(scores=[80] * 12, attendances=lectures([1, 4, 7, 10]))).bonus == 1
    assert evaluate(year(scores=[80] * 12, attendances=lectures([1, 2, 4, 7]))).bonus == 0


def test_secondment_bonus_needs_at_least_30_days_and_is_capped_at_2():
    assert evaluate(year(scores=[80] * 12, secondments=[secondment(30)])).bonus == 1
    assert evaluate(year(scores=[80] * 12, secondments=[secondment(29)])).bonus == 0
    assert evaluate(year(scores=[80] * 12, secondments=[secondment(40)] * 3)).bonus == 2


def test_every_bonus_part_at_its_own_cap_makes_5():
    everything = online(20) + lectures([1, 4, 7, 10])
    result = evaluate(year(scores=[80] * 12, attendances=everything,
                           secondments=[secondment(40)] * 3))
    assert result.bonus_parts == {"online": 2, "lecture": 1, "secondment": 2}
    assert result.bonus == 5 and result.score == 85
    assert "bonus capped at 5" not in result.caps_applied


def test_bonus_is_at_most_5_even_when_its_parts_could_add_up_to_more(monkeypatch):
    # The parts' own caps (2 + 1 + 2) keep the sum at 5 today; a rule version with a larger
    # part cap must still stop at 5, so the overall cap is checked with the online cap raised.
    from ledger.domain import evaluation
    monkeypatch.setattr(evaluation, "ONLINE_CAP", evaluation.Fraction(4))
    result = evaluate(year(scores=[80] * 12, attendances=online(20) + lectures([1, 4, 7, 10]),
                           secondments=[secondment(40)] * 2))
    assert result.bonus_parts["online"] == 4
    assert result.bonus == 5 and result.score == 85
    assert "bonus capped at 5" in result.caps_applied


def test_lectures_in_feb_mar_jun_sep_cover_three_quarters_and_earn_no_lecture_bonus():
    result = evaluate(year(attendances=FIVE_TRAINED + lectures([2, 3, 6, 9])))
    assert result.bonus_parts["lecture"] == 0


def test_lectures_in_mar_jun_sep_dec_cover_all_four_quarters():
    result = evaluate(year(attendances=FIVE_TRAINED + lectures([3, 6, 9, 12])))
    assert result.bonus_parts["lecture"] == 1


def test_a_counting_serious_deduction_voids_the_bonus():
    result = evaluate(year(scores=[94] + [100] * 11, attendances=online(5),
                           deductions=[deduction("D05", 6)]))
    assert result.bonus == 0 and result.bonus_void


@pytest.mark.parametrize("status", [PENDING, OVERTURNED])
def test_a_serious_deduction_that_does_not_count_leaves_the_bonus(status):
    result = evaluate(year(scores=[80] * 12, attendances=online(5),
                           deductions=[deduction("D05", 6, status=status)]))
    assert result.bonus == 1


def test_score_is_capped_at_100():
    assert evaluate(year(attendances=online(10))).score == 100


def test_interview_from_20_deducted_points_and_key_inspection_from_40():
    at = lambda pts: evaluate(year(scores=[80] * 12, deductions=[deduction("D01", pts)]))
    assert not at(19).interview and at(20).interview
    assert not at(39).key_inspection and at(40).key_inspection


def test_deducted_points_leave_out_deductions_that_do_not_count():
    result = evaluate(year(deductions=[deduction("D01", 2), deduction("D02", 3, PENDING)]))
    assert result.deducted_points == 2


def test_rule_1_fewer_than_3_assessed_months_is_not_graded():
    assert evaluate(year(scores=[100, 100])).grade == "not_graded"
    assert evaluate(year(scores=[100, 100, 100])).grade == "excellent"


def test_rule_2_a_counting_d18_is_unqualified_whatever_the_score():
    assert evaluate(year(deductions=[deduction("D18", 15)])).grade == "unqualified"
    assert evaluate(year(deductions=[deduction("D18", 15, OVERTURNED)])).grade == "excellent"


@pytest.mark.parametrize("score,grade", [
    ("59.99", "unqualified"), (60, "qualified"), ("79.99", "qualified"), (80, "good"),
    ("89.99", "good"), (90, "excellent"),
])
def test_rule_2_and_3_grade_boundaries(score, grade):
    assert evaluate(year(scores=[score] * 12)).grade == grade


def test_rule_4_excellent_with_a_counting_serious_deduction_is_good():
    result = evaluate(year(scores=[94] + [100] * 11, deductions=[deduction("D07", 6)]))
    assert result.score >= 90 and result.grade == "good"


def test_rule_5_three_counting_d12_is_at_most_qualified():
    three = [deduction("D12", 6)] * 3
    assert evaluate(year(scores=[85] * 12, deductions=three)).grade == "qualified"
    assert evaluate(year(scores=[85] * 12, deductions=three[:2])).grade == "good"


def test_rule_6_fewer_than_5_trained_staff_is_at_most_qualified():
    assert evaluate(year(attendances=FIVE_TRAINED[:4])).grade == "qualified"
    assert evaluate(year(attendances=FIVE_TRAINED)).grade == "excellent"


def test_trained_staff_counts_distinct_people_across_sessions():
    twice = FIVE_TRAINED + [Attendance("lecture", date(YEAR, 9, 1), "S-0")]
    assert evaluate(year(attendances=twice)).trained_staff == 5


def test_purchaser_ratings_are_counted_and_averaged():
    result = evaluate(year(ratings=["80", "65", "90"]))
    assert result.purchaser_ratings == 3 and result.purchaser_rating_mean == Decimal("78.33")
    assert evaluate(year()).purchaser_rating_mean is None


def test_evaluating_several_month_counts_equals_evaluating_each_alone():
    from ledger.domain.evaluation import evaluate_months
    facts = year(scores=(99.5, 100, 97, 88.25, 100, 100, 95, 100, 100, 100, 91, 100),
                 deductions=[deduction("D12"), deduction("D01", 30)], attendances=online(12),
                 provincial=92, ratings=("4", "5"))
    counts = list(range(0, 13))
    together = evaluate_months(facts, counts)
    for months, result in zip(counts, together):
        alone = evaluate(YearFacts(YEAR, facts.monthly_scores[:months], facts.deductions,
                                   facts.attendances, facts.secondments,
                                   facts.provincial_score, facts.ratings))
        assert result == alone
    assert together[12].caps_applied != together[0].caps_applied  # each has its own caps
