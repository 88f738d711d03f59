"""Bad input is refused with 422 naming every bad field (or 400 for unreadable JSON)."""

from __future__ import annotations

import pytest

from tests.api.conftest import A, head

DEDUCTION_ID = "00000000-0000-0000-0000-000000000001"
# route -> the fields a body of {} must be told about
REQUIRED = {
    "/api/v1/agencies": {"credit_code", "name", "registered_on"},
    f"/api/v1/agencies/{A}/deregistration": {"deregistered_on"},
    f"/api/v1/agencies/{A}/deductions": {"rule_code", "found_on", "reason"},
    f"/api/v1/deductions/{DEDUCTION_ID}/withdrawal": {"reason"},
    f"/api/v1/deductions/{DEDUCTION_ID}/rectification": {"completed_on"},
    f"/api/v1/training-sessions": {"kind", "held_on", "topic", "hours"},
    f"/api/v1/training-sessions/{DEDUCTION_ID}/attendance": {"agency", "staff_ref", "staff_name"},
    f"/api/v1/agencies/{A}/secondments": {"staff_ref", "staff_name", "department", "started_on"},
    f"/api/v1/secondments/{A}-S1/completion": {"ended_on"},
    f"/api/v1/agencies/{A}/purchaser-ratings": {"rated_on", "purchaser", "project_ref", "rating"},
    f"/api/v1/agencies/{A}/provincial-evaluations": {"year", "score"},
    "/api/v1/months/2022-01/publication": {"published_on"},
}


def assert_error_shape(response, status: int) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert set(body) == {"code", "status", "message", "errors"}
    assert body["code"] == status and body["message"]
    return body


@pytest.mark.parametrize("path", sorted(REQUIRED))
def test_an_empty_body_is_refused_naming_every_required_field(sqlite_callers, sqlite_app, path):
    before = head(sqlite_app)
    body = assert_error_shape(sqlite_callers.regulator.post(path, json={}), 422)
    assert set(body["errors"]) == REQUIRED[path]
    assert head(sqlite_app) == before


def test_resolution_needs_outcome_reasoning_and_decided_on(sqlite_callers):
    response = sqlite_callers.reviewer.post(f"/api/v1/disputes/{DEDUCTION_ID}/resolution", json={})
    assert set(assert_error_shape(response, 422)["errors"]) == {"outcome", "reasoning",
                                                                "decided_on"}


def test_dispute_needs_grounds(sqlite_callers):
    response = sqlite_callers.regulator.post(f"/api/v1/deductions/{DEDUCTION_ID}/disputes",
                                             json={})
    assert set(assert_error_shape(response, 422)["errors"]) == {"grounds"}


def test_unknown_fields_are_refused_and_named(sqlite_callers):
    response = sqlite_callers.regulator.post("/api/v1/agencies", json={
        "credit_code": A, "name": "x", "registered_on": "2020-01-01", "code": A, "size": 3})
    assert set(assert_error_shape(response, 422)["errors"]) == {"code", "size"}


@pytest.mark.parametrize("field, value", [
    ("registered_on", "2022-02-30"), ("registered_on", "2022-13-01"),
    ("registered_on", "yesterday"), ("registered_on", 20220101),
])
def test_dates_that_do_not_exist_are_named(sqlite_callers, field, value):
    response = sqlite_callers.regulator.post("/api/v1/agencies", json={
        "credit_code": A, "name": "x", "registered_on": value})
    assert set(assert_error_shape(response, 422)["errors"]) == {field}


@pytest.mark.parametrize("code, check", [
    ("91341800H9EH9J1GR", "length check"), ("91341800H9EH9J1GRI", "character check"),
    ("91341800H9EH9J1GRE", "check character"),
])
def test_an_invalid_credit_code_names_the_failed_check(sqlite_callers, code, check):
    response = sqlite_callers.regulator.post("/api/v1/agencies", json={
        "credit_code": code, "name": "x", "registered_on": "2020-01-01"})
    assert check in " ".join(assert_error_shape(response, 422)["errors"]["credit_code"])


def test_wrong_types_are_named_together(sqlite_callers):
    response = sqlite_callers.regulator.post("/api/v1/training-sessions", json={
        "kind": "webinar", "held_on": "2022-03-01", "topic": 7, "hours": "many"})
    assert set(assert_error_shape(response, 422)["errors"]) == {"kind", "topic", "hours"}


@pytest.mark.parametrize("path, body, field", [
    (f"/api/v1/agencies/{A}/purchaser-ratings",
     {"rated_on": "2022-03-01", "purchaser": "p", "project_ref": "r", "rating": 100.5}, "rating"),
    (f"/api/v1/agencies/{A}/purchaser-ratings",
     {"rated_on": "2022-03-01", "purchaser": "p", "project_ref": "r", "rating": -1}, "rating"),
    (f"/api/v1/agencies/{A}/provincial-evaluations", {"year": 2022, "score": 101}, "score"),
    (f"/api/v1/agencies/{A}/provincial-evaluations", {"year": "2022x", "score": 90}, "year"),
    ("/api/v1/training-sessions",
     {"kind": "online", "held_on": "2022-03-01", "topic": "t", "hours": 0}, "hours"),
    ("/api/v1/training-sessions",
     {"kind": "online", "held_on": "2022-03-01", "topic": "", "hours": 1}, "topic"),
    (f"/api/v1/agencies/{A}/deductions",
     {"rule_code": "D1", "found_on": "2022-03-01", "reason": "r"}, "rule_code"),
    (f"/api/v1/agencies/{A}/deductions",
     {"rule_code": "D01", "found_on": "2022-03-01", "reason": "r",
      "evidence": {"sha256": "abc"}}, "evidence"),
])
def test_out_of_range_and_malformed_values_are_named(sqlite_callers, path, body, field):
    response = sqlite_callers.regulator.post(path, json=body)
    assert set(assert_error_shape(response, 422)["errors"]) == {field}


@pytest.mark.parametrize("body, field", [
    ({"outcome": "partly", "reasoning": "r", "decided_on": "2022-01-20"}, "outcome"),
    ({"outcome": "reduced", "reasoning": "r", "decided_on": "2022-01-20"}, "points"),
    ({"outcome": "upheld", "reasoning": "r", "decided_on": "2022-01-20", "points": 1}, "points"),
    ({"outcome": "reduced", "reasoning": "r", "decided_on": "2022-01-20", "points": 0}, "points"),
])
def test_resolution_values_are_checked(sqlite_callers, body, field):
    response = sqlite_callers.reviewer.post(f"/api/v1/disputes/{DEDUCTION_ID}/resolution",
                                            json=body)
    assert field in assert_error_shape(response, 422)["errors"]


def test_a_date_after_today_is_a_409_conflict_naming_the_field(sqlite_callers, sqlite_app):
    # Well formed, so the description cannot refuse it; it conflicts with today's date.
    before = head(sqlite_app)
    response = sqlite_callers.regulator.post("/api/v1/agencies", json={
        "credit_code": A, "name": "x", "registered_on": "2999-01-01"})
    body = assert_error_shape(response, 409)
    assert set(body["errors"]) == {"registered_on"} and "after today" in body["message"]
    assert head(sqlite_app) == before


def test_a_date_conflicting_with_a_record_is_409_and_a_malformed_one_422(sqlite_callers,
                                                                          world):
    late = sqlite_callers.regulator.post(
        f"/api/v1/deductions/{world.deduction_a_undisputed}/rectification",
        json={"completed_on": "2022-01-01"})  # before the deduction was found (2022-03-10)
    assert set(assert_error_shape(late, 409)["errors"]) == {"completed_on"}
    malformed = sqlite_callers.regulator.post(
        f"/api/v1/deductions/{world.deduction_a_undisputed}/rectification",
        json={"completed_on": "2022-3-1"})
    assert set(assert_error_shape(malformed, 422)["errors"]) == {"completed_on"}


def test_malformed_json_is_a_400_in_the_error_shape(sqlite_callers, sqlite_app):
    before = head(sqlite_app)
    response = sqlite_callers.regulator.post(
        "/api/v1/agencies", data='{"credit_code": ', headers={"Content-Type": "application/json"})
    assert_error_shape(response, 400)
    assert head(sqlite_app) == before


@pytest.mark.parametrize("payload", ["[1, 2]", '"text"', "null", "3"])
def test_a_json_body_that_is_not_an_object_is_refused(sqlite_callers, payload):
    response = sqlite_callers.regulator.post(
        "/api/v1/agencies", data=payload, headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert_error_shape(response, response.status_code)


@pytest.mark.parametrize("query, field", [
    ("as_of=yesterday", "as_of"), ("as_of=2022-01-01T00:00:00", "as_of"),
    ("as_of_position=-1", "as_of_position"), ("as_of_position=x", "as_of_position"),
])
def test_bad_as_of_arguments_are_named(sqlite_callers, query, field):
    response = sqlite_callers.auditor.get(f"/api/v1/agencies/{A}/events?{query}")
    assert field in assert_error_shape(response, 422)["errors"]


@pytest.mark.parametrize("path, field", [
    ("/api/v1/standings?month=2022-13", "month"), ("/api/v1/standings?basis=latest", "basis"),
    ("/api/v1/standings/annual", "year"), ("/api/v1/standings/annual?year=twenty", "year"),
    ("/api/v1/training/statistics?year=", "year"),
])
def test_bad_public_query_arguments_are_named_without_a_token(sqlite_callers, path, field):
    assert field in assert_error_shape(sqlite_callers.anonymous.get(path), 422)["errors"]


def test_a_month_in_the_path_that_does_not_exist_is_named(sqlite_callers):
    response = sqlite_callers.regulator.post("/api/v1/months/2022-14/publication",
                                             json={"published_on": "2022-03-01"})
    assert set(assert_error_shape(response, 422)["errors"]) == {"month"}
