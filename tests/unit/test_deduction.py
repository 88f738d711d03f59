"""The Deduction aggregate: recording with deadlines fixed, withdrawal, rectification."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.domain.catalogue import Catalogue
from ledger.domain.deduction import Deduction
from ledger.domain.errors import InvalidInput, RuleViolation

TODAY = date(2023, 6, 30)
AGENCY = "91341800H9EH9J1GRF"
BY = "li.regulator"


def record(code="D01", found_on=date(2022, 1, 10), notified_on=None, today=TODAY) -> Deduction:
    version = Catalogue().version_on(found_on)
    return Deduction.record(AGENCY, version.items[code], version.version, found_on, notified_on,
                            "notice late", "XCZC-1", None, today, BY)


def test_deduction_keeps_the_version_and_points_in_force_on_found_on():
    before, after = record("D03", date(2022, 6, 30)), record("D03", date(2022, 7, 1))
    assert (before.rule_version, before.base_points) == ("2022.1", 2)
    assert (after.rule_version, after.base_points) == ("2022.2", 3)


def test_notified_on_defaults_to_found_on():
    assert record().notified_on == date(2022, 1, 10)


def test_rectification_is_due_10_working_days_after_notification():
    assert record().rectification_due == date(2022, 1, 24)


def test_serious_rectification_is_due_20_working_days_after_notification():
    # 2022-01-25 + 20 working days, across the make-up days and the Spring Festival
    assert record("D05", date(2022, 1, 25)).rectification_due == date(2022, 2, 25)


@pytest.mark.parametrize("code", ["D17", "D18"])
def test_d17_and_d18_have_no_rectification_due(code):
    assert record(code).rectification_due is None


def test_deadlines_are_fixed_in_the_recorded_event_with_their_calendar_basis():
    event = record("D01", date(2022, 1, 25)).collect_events()[0]
    assert event.dispute_deadline == date(2022, 1, 30)
    assert event.rectification_due == date(2022, 2, 11)
    assert event.calendar == "shipped:2022"


def test_deadlines_in_a_year_without_a_calendar_say_weekdays_only():
    deduction = record("D01", date(2026, 12, 20), today=date(2027, 6, 1))
    assert deduction.calendar == "weekdays-only"


def test_deadlines_crossing_a_new_year_name_both_years_calendars():
    deduction = record("D01", date(2023, 12, 20), today=date(2024, 6, 1))
    assert deduction.rectification_due == date(2024, 1, 4)
    assert deduction.calendar == "shipped:2023+shipped:2024"


def test_notified_before_found_is_refused():
    with pytest.raises(InvalidInput) as refused:
        record(notified_on=date(2022, 1, 9))
    assert "before found_on (2022-01-10)" in refused.value.errors["notified_on"][0]


def test_found_on_after_today_is_refused():
    with pytest.raises(InvalidInput) as refused:
        record(found_on=date(2022, 1, 10), today=date(2022, 1, 9))
    assert "after today (2022-01-09)" in refused.value.errors["found_on"][0]


def test_notified_on_after_today_is_refused():
    with pytest.raises(InvalidInput) as refused:
        record(notified_on=date(2023, 7, 1))
    assert "after today" in refused.value.errors["notified_on"][0]


def test_withdrawal_makes_the_deduction_withdrawn():
    deduction = record()
    deduction.withdraw("wrong agency", "zhao")
    assert deduction.status == "withdrawn" and deduction.withdrawal_reason == "wrong agency"


def test_withdrawal_is_final():
    deduction = record()
    deduction.withdraw("wrong agency", BY)
    with pytest.raises(RuleViolation, match="already withdrawn; a withdrawal is final"):
        deduction.withdraw("again", BY)


def test_withdrawal_needs_a_reason():
    with pytest.raises(InvalidInput) as refused:
        record().withdraw(" ", BY)
    assert set(refused.value.errors) == {"reason"}


def test_rectification_on_the_due_date_is_on_time():
    deduction = record()
    deduction.rectify(date(2022, 1, 24), "fixed", TODAY, BY)
    assert deduction.collect_events()[-1].on_time is True
    assert deduction.facts().rectified_on_time is True


def test_rectification_a_day_after_the_due_date_is_kept_as_late():
    deduction = record()
    deduction.rectify(date(2022, 1, 25), "fixed", TODAY, BY)
    assert deduction.rectified_on == date(2022, 1, 25)
    assert deduction.collect_events()[-1].on_time is False


@pytest.mark.parametrize("code", ["D17", "D18"])
def test_d17_and_d18_take_no_rectification(code):
    with pytest.raises(RuleViolation, match=f"{code} deductions have no rectification"):
        record(code).rectify(date(2022, 1, 20), None, TODAY, BY)


def test_a_second_rectification_is_refused():
    deduction = record()
    deduction.rectify(date(2022, 1, 20), None, TODAY, BY)
    with pytest.raises(RuleViolation, match="already has a rectification completed on 2022-01-20"):
        deduction.rectify(date(2022, 1, 21), None, TODAY, BY)


def test_a_withdrawn_deduction_takes_no_rectification():
    deduction = record()
    deduction.withdraw("error", BY)
    with pytest.raises(RuleViolation, match="withdrawn; it takes no rectification"):
        deduction.rectify(date(2022, 1, 20), None, TODAY, BY)


def test_rectification_completed_before_the_finding_is_refused():
    with pytest.raises(InvalidInput) as refused:
        record().rectify(date(2022, 1, 9), None, TODAY, BY)
    assert "before found_on (2022-01-10)" in refused.value.errors["completed_on"][0]


def test_rectification_completed_after_today_is_refused():
    with pytest.raises(InvalidInput) as refused:
        record().rectify(date(2023, 7, 1), None, TODAY, BY)
    assert set(refused.value.errors) == {"completed_on"}


def test_facts_carry_what_scoring_needs():
    facts = record("D05", date(2022, 1, 25)).facts()
    assert (facts.rule_code, facts.base_points, facts.serious, facts.rectifiable) == (
        "D05", Decimal(6), True, True)
    assert facts.status == "standing" and facts.month == "2022-01"
