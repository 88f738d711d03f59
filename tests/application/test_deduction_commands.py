"""Deduction commands: recording, withdrawal, rectification, disputes and their refusals."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.application import Ledger
from ledger.domain.catalogue import RuleItem
from ledger.domain.errors import InvalidInput, NotFound, NotPermitted, RuleViolation
from ledger.domain.principals import Principal
from tests.conftest import REGULATOR, REGULATOR_2, REVIEWER, agency_principal

A, B = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG"


@pytest.fixture
def registered(app) -> Ledger:
    app.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
    app.register_agency(REGULATOR, B, "宛陵项目", date(2022, 1, 1))
    return app


def deduct(app, code="D01", found_on=date(2022, 1, 25), agency=A, by=REGULATOR, **kw) -> str:
    return app.record_deduction(by, agency, code, found_on, "notice late", **kw).id


def test_recorded_deduction_carries_version_points_and_deadlines(registered):
    deduction = registered.deduction(deduct(registered, "D13", date(2022, 7, 5)))
    assert (deduction.rule_version, deduction.base_points) == ("2022.2", 2)
    assert deduction.rectification_due == date(2022, 7, 19)
    assert deduction.recorded_by == REGULATOR.name


def test_deduction_for_an_unknown_agency_is_not_found(app, refuses):
    with refuses(NotFound, f"No agency with credit code {A}"):
        deduct(app)


def test_unknown_rule_code_is_refused_naming_rule_code(registered, refuses):
    with refuses(InvalidInput) as refused:
        deduct(registered, code="D19")
    assert "unknown rule code 'D19' in rule set 2022.1" in refused.value.errors["rule_code"][0]


def test_deduction_before_the_first_rule_set_version_is_refused(registered, refuses):
    with refuses(InvalidInput) as refused:
        deduct(registered, found_on=date(2021, 12, 31))
    assert "no rule set version is in force" in refused.value.errors["found_on"][0]


def test_deduction_on_a_day_the_agency_was_not_registered_is_refused(app, refuses):
    app.register_agency(REGULATOR, A, "x", date(2022, 3, 15))
    with refuses(RuleViolation, "was not registered on found_on 2022-03-14"):
        deduct(app, found_on=date(2022, 3, 14))


def test_deduction_after_deregistration_is_refused(registered, refuses):
    registered.deregister_agency(REGULATOR, A, date(2022, 6, 30))
    with refuses(RuleViolation, "registered from 2022-01-01 to 2022-06-30"):
        deduct(registered, found_on=date(2022, 7, 1))


def test_deduction_found_after_today_is_refused(registered, refuses):
    with refuses(InvalidInput) as refused:
        deduct(registered, found_on=date(2023, 7, 1))
    assert set(refused.value.errors) == {"found_on"}


def test_notified_before_found_is_refused(registered, refuses):
    with refuses(InvalidInput) as refused:
        deduct(registered, notified_on=date(2022, 1, 24))
    assert set(refused.value.errors) == {"notified_on"}


def test_only_a_regulator_records_deductions(registered, refuses):
    with refuses(NotPermitted):
        deduct(registered, by=agency_principal(A))


def test_withdrawing_an_unknown_deduction_is_not_found(registered, refuses):
    for unknown in ("not-a-uuid", "00000000-0000-4000-8000-000000000000"):
        with refuses(NotFound):
            registered.withdraw_deduction(REGULATOR, unknown, "error")


def test_second_withdrawal_is_refused(registered, refuses):
    ded = deduct(registered)
    registered.withdraw_deduction(REGULATOR, ded, "error")
    with refuses(RuleViolation, "a withdrawal is final"):
        registered.withdraw_deduction(REGULATOR, ded, "again")


def test_d18_takes_no_rectification(registered, refuses):
    ded = deduct(registered, "D18")
    with refuses(RuleViolation, "D18 deductions have no rectification"):
        registered.record_rectification(REGULATOR, ded, date(2022, 2, 1))


def test_late_rectification_is_recorded_and_kept_late(registered):
    ded = deduct(registered)  # due 2022-02-11
    registered.record_rectification(REGULATOR, ded, date(2022, 2, 14), "done")
    assert registered.deduction(ded).facts().rectified_on_time is False


def test_agency_files_its_own_dispute_and_gets_the_dispute_id(registered):
    ded = deduct(registered, found_on=date(2023, 6, 28))
    recorded = registered.file_dispute(agency_principal(A), ded, "or equivalent")
    assert recorded.data["deduction_id"] == ded
    assert registered.deduction_of_dispute(recorded.id).dispute.filed_by == f"agency-{A}"


def test_dispute_filed_after_window_is_refused(registered, refuses):
    ded = deduct(registered)
    with refuses(RuleViolation, "window closed on 2022-01-30"):
        registered.file_dispute(REGULATOR, ded, "late", date(2022, 1, 31))


def test_agency_filing_on_another_agencys_deduction_is_not_permitted(registered, refuses):
    ded = deduct(registered, agency=B)
    with refuses(NotPermitted, "own code"):
        registered.file_dispute(agency_principal(A), ded, "not ours")


def test_reviewer_may_not_file_a_dispute(registered, refuses):
    ded = deduct(registered)
    with refuses(NotPermitted):
        registered.file_dispute(REVIEWER, ded, "g", date(2022, 1, 26))


def test_regulator_enters_a_paper_dispute_for_the_agency(registered):
    ded = deduct(registered)
    registered.file_dispute(REGULATOR_2, ded, "paper submission", date(2022, 1, 26))
    assert registered.deduction(ded).dispute.filed_by == REGULATOR_2.name


def test_dispute_filed_on_defaults_to_today(app):
    app.register_agency(REGULATOR, A, "x", date(2023, 1, 1))
    ded = deduct(app, found_on=date(2023, 6, 29))
    app.file_dispute(agency_principal(A), ded, "g")
    assert app.deduction(ded).dispute.filed_on == date(2023, 6, 30)


def test_second_dispute_is_refused(registered, refuses):
    ded = deduct(registered)
    registered.file_dispute(REGULATOR, ded, "g", date(2022, 1, 26))
    with refuses(RuleViolation, "at most one dispute, ever"):
        registered.file_dispute(REGULATOR_2, ded, "again", date(2022, 1, 27))


def test_dispute_on_a_withdrawn_deduction_is_refused(registered, refuses):
    ded = deduct(registered)
    registered.withdraw_deduction(REGULATOR, ded, "error")
    with refuses(RuleViolation, "withdrawn; it takes no dispute"):
        registered.file_dispute(REGULATOR, ded, "g", date(2022, 1, 26))


def dispute(app, code="D05") -> str:
    ded = deduct(app, code)
    return app.file_dispute(REGULATOR, ded, "g", date(2022, 1, 26)).id


def test_reviewer_who_recorded_the_deduction_is_not_permitted(registered, refuses):
    disp = dispute(registered)
    same_person = Principal(REGULATOR.name, "reviewer")
    with refuses(NotPermitted, f"{REGULATOR.name} recorded deduction"):
        registered.resolve_dispute(same_person, disp, "upheld", "r", date(2022, 2, 1))


def test_regulator_may_not_resolve_a_dispute(registered, refuses):
    disp = dispute(registered)
    with refuses(NotPermitted):
        registered.resolve_dispute(REGULATOR_2, disp, "upheld", "r", date(2022, 2, 1))


@pytest.mark.parametrize("points", ["0", "6", "2.3"])
def test_reduced_points_outside_the_rule_are_refused(registered, refuses, points):
    disp = dispute(registered)
    with refuses(InvalidInput) as refused:
        registered.resolve_dispute(REVIEWER, disp, "reduced", "r", date(2022, 2, 1),
                                   Decimal(points))
    assert set(refused.value.errors) == {"points"}


def test_reduced_outcome_is_recorded(registered):
    disp = dispute(registered)
    registered.resolve_dispute(REVIEWER, disp, "reduced", "r", date(2022, 2, 1), Decimal("2.5"))
    deduction = registered.deduction_of_dispute(disp)
    assert deduction.status == "reduced" and deduction.dispute.decided_by == REVIEWER.name


def test_resolving_an_unknown_dispute_is_not_found(registered, refuses):
    ded = deduct(registered)
    for unknown in (ded, "not-a-uuid", "00000000-0000-4000-8000-000000000000"):
        with refuses(NotFound):
            registered.resolve_dispute(REVIEWER, unknown, "upheld", "r", date(2022, 2, 1))


def test_resolving_a_dispute_twice_is_refused(registered, refuses):
    disp = dispute(registered)
    registered.resolve_dispute(REVIEWER, disp, "upheld", "r", date(2022, 2, 1))
    with refuses(RuleViolation, "already resolved"):
        registered.resolve_dispute(REVIEWER, disp, "overturned", "r", date(2022, 2, 2))


def test_a_published_rule_set_version_applies_only_from_its_effective_date(registered):
    before = deduct(registered, "D01", date(2022, 12, 30))
    item = RuleItem("D01", "late notice", Decimal(5), serious=False, rectifiable=True)
    registered.publish_rule_set_version(REGULATOR, "2023.1", date(2023, 1, 1), [item])
    after = deduct(registered, "D01", date(2023, 1, 3))
    assert registered.deduction(before).base_points == 2
    assert (registered.deduction(after).rule_version,
            registered.deduction(after).base_points) == ("2023.1", 5)


def test_a_code_missing_from_the_version_in_force_is_unknown(registered, refuses):
    item = RuleItem("D01", "late notice", Decimal(5), serious=False, rectifiable=True)
    registered.publish_rule_set_version(REGULATOR, "2023.1", date(2023, 1, 1), [item])
    with refuses(InvalidInput) as refused:
        deduct(registered, "D02", date(2023, 1, 3))
    assert "known codes: D01" in refused.value.errors["rule_code"][0]


def test_an_id_of_another_kind_of_record_is_not_found(registered, refuses):
    session = registered.hold_training_session(REGULATOR, "online", date(2022, 3, 1), "t",
                                               Decimal(1)).id
    ded = deduct(registered)
    with refuses(NotFound, f"No deduction {session}"):
        registered.withdraw_deduction(REGULATOR, session, "error")
    with refuses(NotFound, f"No training session {ded}"):
        registered.record_attendance(REGULATOR, ded, A, "A-01", "张敏")


def test_an_agency_cannot_move_its_filing_back_into_a_closed_window(app, refuses):
    """The issue's attack: refused after the window closed, the agency resends with an
    earlier filed_on; the ledger dates an agency's filing itself and refuses the date."""
    app.register_agency(REGULATOR, A, "x", date(2023, 1, 1))
    ded = deduct(app, found_on=date(2023, 6, 1))  # window closed 2023-06-08
    with refuses(RuleViolation, "window closed on 2023-06-08"):
        app.file_dispute(agency_principal(A), ded, "g")
    with refuses(InvalidInput) as refused:
        app.file_dispute(agency_principal(A), ded, "g", date(2023, 6, 2))
    assert list(refused.value.errors) == ["filed_on"]
    assert "dated today (2023-06-30)" in refused.value.errors["filed_on"][0]


def test_an_agency_may_give_todays_date_as_filed_on(app):
    app.register_agency(REGULATOR, A, "x", date(2023, 1, 1))
    ded = deduct(app, found_on=date(2023, 6, 29))
    app.file_dispute(agency_principal(A), ded, "g", date(2023, 6, 30))
    assert app.deduction(ded).dispute.filed_on == date(2023, 6, 30)


def test_a_regulators_paper_submission_keeps_its_earlier_filed_on(app):
    app.register_agency(REGULATOR, A, "x", date(2023, 1, 1))
    ded = deduct(app, found_on=date(2023, 6, 1))
    app.file_dispute(REGULATOR, ded, "posted on time", date(2023, 6, 2))
    assert app.deduction(ded).dispute.filed_on == date(2023, 6, 2)
