"""DOMAIN's text rules and figure rules in every Ledger command (API, pages and imports call
these): control characters, unpaired surrogates, over-long or blank text, figures that are not
multiples of 0.01, training hours outside 0.5-24 in half hours: refused naming the field,
nothing recorded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.domain.errors import InvalidInput
from ledger.domain.text import NAME_LIMIT, TEXT_LIMIT
from tests.conftest import REGULATOR, REVIEWER

A, B = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG"
UNSTORABLE = ["a\x00b", "a\x1bb", "a\x85b", "a\ud800b", "\udfff"]


def bad_values(limit: int, required: bool) -> list[str]:
    return UNSTORABLE + ["x" * (limit + 1), "   ", ""] + ([None] if required else [])


@pytest.fixture
def world(app):
    app.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
    deduction = app.record_deduction(REGULATOR, A, "D01", date(2022, 3, 1), "notice late").id
    disputed = app.record_deduction(REGULATOR, A, "D02", date(2022, 3, 2), "result late").id
    dispute = app.file_dispute(REGULATOR, disputed, "on time", date(2022, 3, 3)).id
    session = app.hold_training_session(REGULATOR, "lecture", date(2022, 3, 1), "law", 2).id
    return {"deduction": deduction, "dispute": dispute, "session": session}


COMMANDS = {  # field -> (limit, required, command given the bad value)
    "name": (NAME_LIMIT, True, lambda app, w, v: app.register_agency(
        REGULATOR, B, v, date(2022, 1, 1))),
    "reason (deregistration)": (TEXT_LIMIT, False, lambda app, w, v: app.deregister_agency(
        REGULATOR, A, date(2023, 1, 1), v)),
    "staff_ref (secondment)": (NAME_LIMIT, True, lambda app, w, v: app.start_secondment(
        REGULATOR, A, v, "张三", "监管科", date(2022, 4, 1))),
    "staff_name (secondment)": (NAME_LIMIT, True, lambda app, w, v: app.start_secondment(
        REGULATOR, A, "E1", v, "监管科", date(2022, 4, 1))),
    "department": (NAME_LIMIT, True, lambda app, w, v: app.start_secondment(
        REGULATOR, A, "E1", "张三", v, date(2022, 4, 1))),
    "purchaser": (NAME_LIMIT, True, lambda app, w, v: app.record_purchaser_rating(
        REGULATOR, A, date(2022, 5, 1), v, "P-1", Decimal(90))),
    "project_ref (rating)": (NAME_LIMIT, True, lambda app, w, v: app.record_purchaser_rating(
        REGULATOR, A, date(2022, 5, 1), "市教育局", v, Decimal(90))),
    "reason (deduction)": (TEXT_LIMIT, True, lambda app, w, v: app.record_deduction(
        REGULATOR, A, "D01", date(2022, 4, 1), v)),
    "project_ref (deduction)": (NAME_LIMIT, False, lambda app, w, v: app.record_deduction(
        REGULATOR, A, "D01", date(2022, 4, 1), "late", project_ref=v)),
    "evidence.document": (NAME_LIMIT, False, lambda app, w, v: app.record_deduction(
        REGULATOR, A, "D01", date(2022, 4, 1), "late", evidence={"document": v})),
    "reason (withdrawal)": (TEXT_LIMIT, True, lambda app, w, v: app.withdraw_deduction(
        REGULATOR, w["deduction"], v)),
    "note": (TEXT_LIMIT, False, lambda app, w, v: app.record_rectification(
        REGULATOR, w["deduction"], date(2022, 3, 5), v)),
    "grounds": (TEXT_LIMIT, True, lambda app, w, v: app.file_dispute(
        REGULATOR, w["deduction"], v, date(2022, 3, 2))),  # a paper submission: dated
    "reasoning": (TEXT_LIMIT, True, lambda app, w, v: app.resolve_dispute(
        REVIEWER, w["dispute"], "upheld", v, date(2022, 3, 10))),
    "topic": (TEXT_LIMIT, True, lambda app, w, v: app.hold_training_session(
        REGULATOR, "lecture", date(2022, 3, 1), v, 2)),
    "staff_ref (attendance)": (NAME_LIMIT, True, lambda app, w, v: app.record_attendance(
        REGULATOR, w["session"], A, v, "张三")),
    "staff_name (attendance)": (NAME_LIMIT, True, lambda app, w, v: app.record_attendance(
        REGULATOR, w["session"], A, "E1", v)),
}


@pytest.mark.parametrize("label", COMMANDS)
def test_text_breaking_domain_rules_is_refused_naming_the_field(app, world, refuses, label):
    limit, required, command = COMMANDS[label]
    field = label.split(" ")[0]
    for value in bad_values(limit, required):
        with refuses(InvalidInput) as refused:
            command(app, world, value)
        assert field in refused.value.errors, (value, refused.value.errors)
    command(app, world, "x" * limit)  # the limit itself is accepted


def test_a_figure_that_is_not_a_multiple_of_a_hundredth_is_refused(app, world, refuses):
    with refuses(InvalidInput) as refused:
        app.record_purchaser_rating(REGULATOR, A, date(2022, 5, 1), "p", "P", Decimal("50.123"))
    assert set(refused.value.errors) == {"rating"}
    with refuses(InvalidInput) as refused:
        app.record_provincial_evaluation(REGULATOR, A, 2022, Decimal("90.005"))
    assert set(refused.value.errors) == {"score"}
    app.record_provincial_evaluation(REGULATOR, A, 2022, Decimal("90.05"))


@pytest.mark.parametrize("hours", ["1E-30", "0", "0.25", "1.25", "24.5", "-1"])
def test_training_hours_outside_half_hours_up_to_a_day_are_refused(app, world, refuses, hours):
    with refuses(InvalidInput) as refused:
        app.hold_training_session(REGULATOR, "online", date(2022, 3, 1), "t", Decimal(hours))
    assert set(refused.value.errors) == {"hours"}


def test_training_hours_in_half_hours_are_accepted(app, world):
    for hours in ("0.5", "1.5", "24", "3.0"):
        app.hold_training_session(REGULATOR, "online", date(2022, 3, 1), "t", Decimal(hours))


def test_an_unpaired_surrogate_that_reaches_the_store_is_refused_naming_the_field(app, refuses):
    from ledger.domain.agency import Agency  # saved around the command's check

    agency = Agency(credit_code=B, name="敬亭\ud800", registered_on=date(2022, 1, 1),
                    recorded_by=REGULATOR.name)
    with refuses(InvalidInput) as refused:
        app.save(agency)
    assert "surrogate" in refused.value.errors["name"][0]
