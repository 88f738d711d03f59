"""Disputes on a deduction: the 5-working-day window, one dispute ever, review by another."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.domain.catalogue import Catalogue
from ledger.domain.deduction import Deduction, deduction_id_for, dispute_id_for
from ledger.domain.errors import InvalidInput, NotPermitted, RuleViolation

TODAY = date(2023, 6, 30)
AGENCY = "91341800NNDMLAR0UG"
RECORDER, REVIEWER = "li.regulator", "wang.reviewer"


def record(code="D05", found_on=date(2022, 1, 25)) -> Deduction:
    version = Catalogue().version_on(found_on)
    return Deduction.record(AGENCY, version.items[code], version.version, found_on, None,
                            "brand-pointing term", None, None, TODAY, RECORDER)


def disputed(filed_on=date(2022, 1, 27), code="D05") -> Deduction:
    deduction = record(code)
    deduction.file_dispute("or equivalent", filed_on, TODAY, f"agency-{AGENCY}")
    return deduction


def resolve(deduction, outcome="upheld", points=None, by=REVIEWER, decided_on=date(2022, 2, 14)):
    deduction.resolve_dispute(outcome, points, "reasoned", decided_on, TODAY, by)


@pytest.mark.parametrize("filed_on", [date(2022, 1, 25), date(2022, 1, 29), date(2022, 1, 30)])
def test_dispute_within_the_window_is_filed_and_pending(filed_on):
    deduction = disputed(filed_on)
    assert deduction.status == "pending"
    assert deduction.dispute.status == "open"


def test_dispute_filed_after_window_is_refused_saying_when_it_closed():
    with pytest.raises(RuleViolation) as refused:
        disputed(date(2022, 1, 31))
    assert "window closed on 2022-01-30" in refused.value.message
    assert "filed_on 2022-01-31" in refused.value.message


def test_dispute_filed_before_notification_is_refused():
    with pytest.raises(RuleViolation, match="from 2022-01-25 to 2022-01-30"):
        disputed(date(2022, 1, 24))


def test_dispute_filed_after_today_is_refused():
    with pytest.raises(InvalidInput) as refused:
        record().file_dispute("g", date(2023, 7, 1), TODAY, "a")
    assert set(refused.value.errors) == {"filed_on"}


def test_dispute_needs_grounds():
    with pytest.raises(InvalidInput) as refused:
        record().file_dispute(" ", date(2022, 1, 27), TODAY, "a")
    assert set(refused.value.errors) == {"grounds"}


def test_a_second_dispute_is_refused_even_after_the_first_is_resolved():
    deduction = disputed()
    resolve(deduction)
    with pytest.raises(RuleViolation, match="at most one dispute, ever"):
        deduction.file_dispute("again", date(2022, 1, 28), TODAY, "a")


def test_a_withdrawn_deduction_takes_no_dispute():
    deduction = record()
    deduction.withdraw("error", RECORDER)
    with pytest.raises(RuleViolation, match="withdrawn; it takes no dispute"):
        deduction.file_dispute("g", date(2022, 1, 27), TODAY, "a")


def test_review_is_due_10_working_days_after_filing():
    assert disputed(date(2022, 1, 27)).dispute.review_due == date(2022, 2, 15)


def test_dispute_id_is_derived_reversibly_from_the_deduction_id():
    deduction = disputed()
    assert deduction.dispute.id == dispute_id_for(deduction.id) != deduction.id
    assert deduction_id_for(deduction.dispute.id) == deduction.id
    assert deduction.dispute.id.version == deduction.id.version


@pytest.mark.parametrize("outcome,status", [
    ("upheld", "standing"), ("overturned", "overturned")])
def test_outcome_sets_the_deduction_status(outcome, status):
    deduction = disputed()
    resolve(deduction, outcome)
    assert deduction.status == status and deduction.dispute.decided_by == REVIEWER


def test_reduced_outcome_keeps_the_reviewers_points():
    deduction = disputed()
    resolve(deduction, "reduced", Decimal(3))
    assert deduction.status == "reduced" and deduction.facts().reduced_points == 3


@pytest.mark.parametrize("points", ["0.5", "5.5"])
def test_reduced_points_strictly_between_0_and_base_in_halves_are_accepted(points):
    deduction = disputed()
    resolve(deduction, "reduced", Decimal(points))
    assert deduction.status == "reduced"
    assert deduction.dispute.points == deduction.facts().reduced_points == Decimal(points)


@pytest.mark.parametrize("points,message", [
    ("0", "more than 0 and less than the base points 6"),
    ("6", "more than 0 and less than the base points 6"),
    ("-1", "more than 0"),
    ("2.25", "multiple of 0.5"),
    (None, "required when the outcome is 'reduced'"),
])
def test_reduced_points_outside_the_rule_are_refused(points, message):
    deduction = disputed()
    with pytest.raises(InvalidInput) as refused:
        resolve(deduction, "reduced", Decimal(points) if points else None)
    assert message in refused.value.errors["points"][0]
    assert deduction.status == "pending"


def test_points_with_another_outcome_are_refused():
    with pytest.raises(InvalidInput) as refused:
        resolve(disputed(), "upheld", Decimal(3))
    assert set(refused.value.errors) == {"points"}


def test_unknown_outcome_is_refused():
    with pytest.raises(InvalidInput) as refused:
        resolve(disputed(), "dismissed")
    assert "upheld, overturned, reduced" in refused.value.errors["outcome"][0]


def test_decision_before_filing_is_refused():
    with pytest.raises(InvalidInput) as refused:
        resolve(disputed(date(2022, 1, 27)), decided_on=date(2022, 1, 26))
    assert "before filed_on (2022-01-27)" in refused.value.errors["decided_on"][0]


def test_reviewer_who_recorded_the_deduction_is_not_permitted():
    with pytest.raises(NotPermitted, match=f"{RECORDER} recorded deduction"):
        resolve(disputed(), by=RECORDER)


def test_a_resolved_dispute_cannot_be_resolved_again():
    deduction = disputed()
    resolve(deduction, "overturned")
    with pytest.raises(RuleViolation, match=r"already resolved \(overturned\) on 2022-02-14"):
        resolve(deduction, "upheld")


def test_a_dispute_on_a_later_withdrawn_deduction_may_still_be_resolved():
    deduction = disputed()
    deduction.withdraw("recorded in error", RECORDER)
    resolve(deduction, "overturned")
    assert deduction.status == "withdrawn" and deduction.dispute.status == "overturned"
