"""The TrainingSession aggregate: kinds, hours, one attendance per person per session."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.domain.errors import InvalidInput, RuleViolation
from ledger.domain.training import TrainingSession

TODAY = date(2023, 6, 30)
A, B = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG"


def session(kind="lecture", hours="3") -> TrainingSession:
    return TrainingSession.hold(kind, date(2022, 3, 16), "Q1", Decimal(hours), TODAY, "li")


@pytest.mark.parametrize("kind", ["lecture", "onsite", "online"])
def test_the_three_kinds_of_session_are_held(kind):
    assert session(kind).kind == kind


def test_unknown_kind_is_refused():
    with pytest.raises(InvalidInput) as refused:
        session("webinar")
    assert "lecture, onsite, online" in refused.value.errors["kind"][0]


@pytest.mark.parametrize("hours", ["0.5", "24"])
def test_hours_above_0_up_to_24_are_accepted(hours):
    assert session(hours=hours).hours == Decimal(hours)


@pytest.mark.parametrize("hours", ["0", "24.5", "-1"])
def test_hours_outside_0_to_24_are_refused(hours):
    with pytest.raises(InvalidInput) as refused:
        session(hours=hours)
    assert set(refused.value.errors) == {"hours"}


def test_session_held_after_today_is_refused():
    with pytest.raises(InvalidInput) as refused:
        TrainingSession.hold("online", date(2023, 7, 1), "t", Decimal(1), TODAY, "li")
    assert set(refused.value.errors) == {"held_on"}


def test_the_same_person_twice_at_one_session_is_refused():
    s = session()
    s.record_attendance(A, "A-01", "张敏", "li")
    with pytest.raises(RuleViolation, match="already recorded at this session"):
        s.record_attendance(A, "A-01", "张敏", "li")


def test_the_same_staff_ref_at_two_agencies_is_two_people():
    s = session()
    s.record_attendance(A, "01", "张敏", "li")
    s.record_attendance(B, "01", "李强", "li")
    assert s.attendees == {(A, "01"), (B, "01")}


def test_attendance_needs_a_staff_ref_and_a_name():
    with pytest.raises(InvalidInput) as refused:
        session().record_attendance(A, " ", "", "li")
    assert set(refused.value.errors) == {"staff_ref", "staff_name"}
