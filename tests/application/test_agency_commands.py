"""Agency commands: registration, deregistration, secondments, ratings, provincial scores."""

from datetime import date, timezone
from decimal import Decimal

from ledger.domain.errors import InvalidInput, NotFound, NotPermitted, RuleViolation
from tests.conftest import AUDITOR, REGULATOR, REVIEWER

A, B = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG"


def register(app, code=A, on=date(2022, 1, 1)):
    return app.register_agency(REGULATOR, code, "敬亭招标", on)


def test_registration_returns_the_code_position_and_utc_time(app):
    recorded = register(app)
    assert recorded.id == A and recorded.position == 1
    assert recorded.recorded_at.tzinfo is not None
    assert recorded.recorded_at.utcoffset() == timezone.utc.utcoffset(None)
    assert app.agency(A).name == "敬亭招标"


def test_duplicate_agency_is_refused(app, refuses):
    register(app)
    with refuses(RuleViolation, f"Agency {A} is already registered"):
        register(app, on=date(2022, 2, 1))


def test_invalid_credit_code_is_refused_naming_the_field(app, refuses):
    with refuses(InvalidInput) as refused:
        register(app, code=A[:17] + "X")
    assert "check character failed" in refused.value.errors["credit_code"][0]


def test_registration_dated_after_today_is_refused(app, refuses):
    with refuses(InvalidInput) as refused:
        register(app, on=date(2023, 7, 1))
    assert set(refused.value.errors) == {"registered_on"}


def test_only_a_regulator_may_register(app, refuses):
    for principal in (REVIEWER, AUDITOR):
        with refuses(NotPermitted):
            app.register_agency(principal, A, "x", date(2022, 1, 1))


def test_deregistering_an_unknown_agency_is_not_found(app, refuses):
    with refuses(NotFound, f"No agency with credit code {A}"):
        app.deregister_agency(REGULATOR, A, date(2022, 1, 1))


def test_second_deregistration_is_refused(app, refuses):
    register(app)
    app.deregister_agency(REGULATOR, A, date(2022, 6, 30), "closed")
    with refuses(RuleViolation, "already deregistered on 2022-06-30"):
        app.deregister_agency(REGULATOR, A, date(2022, 7, 30))


def start(app, started_on=date(2022, 4, 1), staff_ref="A-03", code=A):
    return app.start_secondment(REGULATOR, code, staff_ref, "王芳", "监管科", started_on)


def test_secondment_is_started_and_completed_by_its_id(app):
    register(app)
    sid = start(app).id
    assert sid == f"{A}-S1"
    app.complete_secondment(REGULATOR, sid, date(2022, 5, 15))
    assert app.agency(A).secondments[sid].ended_on == date(2022, 5, 15)


def test_overlapping_secondment_is_refused(app, refuses):
    register(app)
    start(app)
    with refuses(RuleViolation, "overlapping"):
        start(app, started_on=date(2022, 6, 1))


def test_secondment_ending_before_it_started_is_refused(app, refuses):
    register(app)
    sid = start(app).id
    with refuses(InvalidInput) as refused:
        app.complete_secondment(REGULATOR, sid, date(2022, 3, 31))
    assert set(refused.value.errors) == {"ended_on"}


def test_unknown_secondment_is_not_found(app, refuses):
    register(app)
    for unknown in (f"{A}-S9", f"{B}-S1", "nonsense"):
        with refuses(NotFound, f"No secondment {unknown}"):
            app.complete_secondment(REGULATOR, unknown, date(2022, 5, 1))


def test_secondment_for_an_unknown_agency_is_not_found(app, refuses):
    with refuses(NotFound):
        start(app, code=B)


def test_rating_outside_0_to_100_is_refused(app, refuses):
    register(app)
    with refuses(InvalidInput) as refused:
        app.record_purchaser_rating(REGULATOR, A, date(2022, 5, 1), "市教育局", "P-1",
                                    Decimal(101))
    assert set(refused.value.errors) == {"rating"}


def test_rating_before_registration_is_refused(app, refuses):
    register(app, on=date(2022, 3, 15))
    with refuses(RuleViolation, "not registered on rated_on 2022-03-14"):
        app.record_purchaser_rating(REGULATOR, A, date(2022, 3, 14), "p", "P-1", Decimal(80))


def test_ratings_are_numbered_per_agency(app):
    register(app)
    ids = [app.record_purchaser_rating(REGULATOR, A, date(2022, 5, d), "p", "P", Decimal(70)).id
           for d in (1, 2)]
    assert ids == [f"{A}-R1", f"{A}-R2"]


def test_provincial_score_outside_0_to_100_is_refused(app, refuses):
    register(app)
    with refuses(InvalidInput) as refused:
        app.record_provincial_evaluation(REGULATOR, A, 2022, Decimal("100.5"))
    assert set(refused.value.errors) == {"score"}


def test_later_provincial_score_supersedes_the_earlier(app):
    register(app)
    app.record_provincial_evaluation(REGULATOR, A, 2022, Decimal(85))
    app.record_provincial_evaluation(REGULATOR, A, 2022, Decimal(88))
    assert app.agency(A).provincial == {2022: Decimal(88)}
