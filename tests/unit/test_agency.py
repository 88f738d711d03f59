"""The Agency aggregate: registration, deregistration, secondments, ratings, provincial scores."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.domain.agency import Agency
from ledger.domain.errors import InvalidInput, RuleViolation

TODAY = date(2023, 6, 30)
CODE = "91341800H9EH9J1GRF"
BY = "li.regulator"


def registered(on=date(2022, 3, 15)) -> Agency:
    return Agency.register(CODE, "宣城敬亭招标代理有限公司", on, TODAY, BY)


def test_registration_records_code_name_date_and_principal():
    agency = registered()
    event = agency.collect_events()[0]
    assert type(event).__name__ == "AgencyRegistered"
    assert (event.credit_code, event.registered_on, event.recorded_by) == (
        CODE, date(2022, 3, 15), BY)
    assert agency.id == Agency.create_id(CODE)


def test_invalid_credit_code_is_refused_naming_the_failed_check():
    with pytest.raises(InvalidInput) as refused:
        Agency.register("91341800H9EH9J1GRG", "x", date(2022, 1, 1), TODAY, BY)
    assert "check character failed" in refused.value.errors["credit_code"][0]


def test_registration_dated_after_today_is_refused():
    with pytest.raises(InvalidInput) as refused:
        Agency.register(CODE, "x", date(2023, 7, 1), TODAY, BY)
    assert "after today (2023-06-30)" in refused.value.errors["registered_on"][0]


def test_every_bad_field_of_a_registration_is_named_at_once():
    with pytest.raises(InvalidInput) as refused:
        Agency.register("bad", " ", date(2023, 7, 1), TODAY, BY)
    assert set(refused.value.errors) == {"credit_code", "name", "registered_on"}


def test_registered_from_registration_day_through_deregistration_day():
    agency = registered()
    agency.deregister(date(2022, 9, 30), "closed", TODAY, BY)
    assert not agency.registered_on_day(date(2022, 3, 14))
    assert agency.registered_on_day(date(2022, 3, 15))
    assert agency.registered_on_day(date(2022, 9, 30))
    assert not agency.registered_on_day(date(2022, 10, 1))


def test_check_registered_on_says_when_the_agency_was_registered():
    agency = registered()
    with pytest.raises(RuleViolation, match="registered from 2022-03-15"):
        agency.check_registered_on("found_on", date(2022, 3, 14))


def test_a_second_deregistration_is_refused():
    agency = registered()
    agency.deregister(date(2022, 9, 30), None, TODAY, BY)
    with pytest.raises(RuleViolation, match="already deregistered on 2022-09-30"):
        agency.deregister(date(2022, 10, 30), None, TODAY, BY)


def test_deregistration_before_registration_is_refused():
    with pytest.raises(InvalidInput) as refused:
        registered().deregister(date(2022, 3, 14), None, TODAY, BY)
    assert "registered_on (2022-03-15)" in refused.value.errors["deregistered_on"][0]


def second(agency, started_on, staff_ref="A-03"):
    return agency.start_secondment(staff_ref, "王芳", "政府采购监管科", started_on, TODAY, BY)


def test_secondment_ids_are_the_code_and_a_sequence_number():
    agency = registered()
    assert second(agency, date(2022, 4, 1)) == f"{CODE}-S1"
    assert second(agency, date(2022, 4, 1), staff_ref="A-04") == f"{CODE}-S2"


def test_ongoing_secondment_overlaps_any_later_start_of_the_same_person():
    agency = registered()
    second(agency, date(2022, 4, 1))
    with pytest.raises(RuleViolation, match="overlapping") as refused:
        second(agency, date(2023, 4, 1))
    assert f"{CODE}-S1" in str(refused.value)


def test_secondment_starting_on_the_day_the_last_one_ended_overlaps():
    agency = registered()
    sid = second(agency, date(2022, 4, 1))
    agency.complete_secondment(sid, date(2022, 5, 15), TODAY, BY)
    with pytest.raises(RuleViolation):
        second(agency, date(2022, 5, 15))
    assert second(agency, date(2022, 5, 16)) == f"{CODE}-S2"


def test_another_person_may_be_seconded_at_the_same_time():
    agency = registered()
    second(agency, date(2022, 4, 1))
    second(agency, date(2022, 4, 1), staff_ref="A-09")
    assert len(agency.secondments) == 2


def test_secondment_before_registration_is_refused():
    with pytest.raises(RuleViolation, match="not registered on started_on 2022-03-01"):
        second(registered(), date(2022, 3, 1))


def test_secondment_ending_before_it_started_is_refused():
    agency = registered()
    sid = second(agency, date(2022, 4, 1))
    with pytest.raises(InvalidInput) as refused:
        agency.complete_secondment(sid, date(2022, 3, 31), TODAY, BY)
    assert "started_on (2022-04-01)" in refused.value.errors["ended_on"][0]


def test_secondment_may_end_on_its_first_day_and_only_once():
    agency = registered()
    sid = second(agency, date(2022, 4, 1))
    agency.complete_secondment(sid, date(2022, 4, 1), TODAY, BY)
    with pytest.raises(RuleViolation, match="already completed on 2022-04-01"):
        agency.complete_secondment(sid, date(2022, 4, 2), TODAY, BY)


@pytest.mark.parametrize("rating", ["0", "100"])
def test_ratings_from_0_to_100_are_accepted(rating):
    agency = registered()
    rid = agency.record_rating(date(2022, 5, 1), "市教育局", "P-1", Decimal(rating), TODAY, BY)
    assert rid == f"{CODE}-R1"


@pytest.mark.parametrize("rating", ["-0.5", "100.5"])
def test_ratings_outside_0_to_100_are_refused(rating):
    with pytest.raises(InvalidInput) as refused:
        registered().record_rating(date(2022, 5, 1), "p", "P-1", Decimal(rating), TODAY, BY)
    assert "between 0 and 100" in refused.value.errors["rating"][0]


def test_rating_on_a_day_the_agency_was_not_registered_is_refused():
    with pytest.raises(RuleViolation, match="rated_on 2022-03-14"):
        registered().record_rating(date(2022, 3, 14), "p", "P-1", Decimal(80), TODAY, BY)


@pytest.mark.parametrize("score", ["-1", "100.01"])
def test_provincial_scores_outside_0_to_100_are_refused(score):
    with pytest.raises(InvalidInput) as refused:
        registered().record_provincial(2022, Decimal(score), TODAY, BY)
    assert set(refused.value.errors) == {"score"}


@pytest.mark.parametrize("year", [1999, 2024])
def test_provincial_year_must_be_from_2000_to_this_year(year):
    with pytest.raises(InvalidInput) as refused:
        registered(on=date(1999, 1, 1)).record_provincial(year, Decimal(90), TODAY, BY)
    assert "from 2000 to 2023" in refused.value.errors["year"][0]


def test_provincial_score_for_a_year_before_registration_is_refused():
    with pytest.raises(RuleViolation, match="no provincial evaluation for 2021"):
        registered().record_provincial(2021, Decimal(90), TODAY, BY)


def test_a_later_provincial_score_supersedes_the_earlier():
    agency = registered()
    agency.record_provincial(2022, Decimal(85), TODAY, BY)
    agency.record_provincial(2022, Decimal(88), TODAY, BY)
    assert agency.provincial[2022] == 88
    assert len([e for e in agency.collect_events()
                if type(e).__name__ == "ProvincialEvaluationRecorded"]) == 2
