"""Training sessions, attendance and month publication through the Ledger."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.domain.errors import InvalidInput, NotFound, NotPermitted, RuleViolation
from tests.conftest import AUDITOR, REGULATOR

A, B = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG"


@pytest.fixture
def session(app) -> str:
    app.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
    return app.hold_training_session(REGULATOR, "lecture", date(2022, 3, 16), "Q1",
                                     Decimal(3)).id


def test_attendance_is_recorded_once_per_person(app, session, refuses):
    app.record_attendance(REGULATOR, session, A, "A-01", "张敏")
    with refuses(RuleViolation, "already recorded at this session"):
        app.record_attendance(REGULATOR, session, A, "A-01", "张敏")


def test_attendance_at_an_unknown_session_is_not_found(app, session, refuses):
    with refuses(NotFound):
        app.record_attendance(REGULATOR, "00000000-0000-4000-8000-000000000000", A, "A", "n")


def test_attendance_of_an_unknown_agency_is_not_found(app, session, refuses):
    with refuses(NotFound, f"No agency with credit code {B}"):
        app.record_attendance(REGULATOR, session, B, "B-01", "李强")


def test_attendance_of_an_agency_not_registered_on_the_session_day_is_refused(
        app, session, refuses):
    app.register_agency(REGULATOR, B, "宛陵项目", date(2022, 3, 17))
    with refuses(RuleViolation, "not registered on held_on 2022-03-16"):
        app.record_attendance(REGULATOR, session, B, "B-01", "李强")


def test_session_with_bad_hours_is_refused(app, refuses):
    with refuses(InvalidInput) as refused:
        app.hold_training_session(REGULATOR, "online", date(2022, 3, 16), "t", Decimal(25))
    assert set(refused.value.errors) == {"hours"}


def test_only_a_regulator_holds_sessions(app, refuses):
    with refuses(NotPermitted):
        app.hold_training_session(AUDITOR, "online", date(2022, 3, 16), "t", Decimal(1))


def test_a_month_is_published_then_republished_as_revision_2(app):
    first = app.publish_month(REGULATOR, "2022-01", date(2022, 2, 10))
    second = app.publish_month(REGULATOR, "2022-01", date(2022, 2, 20))
    assert (first.data["revision"], second.data["revision"]) == (1, 2)
    assert second.position == first.position + 1


def test_a_month_is_not_published_before_it_has_ended(app, refuses):
    with refuses(InvalidInput) as refused:
        app.publish_month(REGULATOR, "2022-01", date(2022, 1, 31))
    assert set(refused.value.errors) == {"published_on"}
