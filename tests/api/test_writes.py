"""Write routes answer 201 with the full resource, its position and recorded_at; reads after a
write reflect it; refusals are 404/409 in the error shape and record nothing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from tests.api.conftest import A, B, head

DEDUCTION_FIELDS = {
    "id", "agency", "rule_code", "rule_version", "base_points", "found_on", "notified_on",
    "month", "status", "effective_points", "pending_points", "doubled", "rectification_due",
    "rectification", "dispute_id", "reason", "recorded_by", "recorded_at", "position"}
DISPUTE_FIELDS = {"id", "deduction_id", "agency", "grounds", "filed_on", "review_due", "status",
                  "outcome", "points", "reasoning", "decided_on", "decided_by", "overdue"}


def register(caller, code=A, registered_on="2019-05-10"):
    response = caller.post("/api/v1/agencies", json={
        "credit_code": code, "name": f"agency {code[-4:]}", "registered_on": registered_on})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def deduct(caller, code=A, rule_code="D01", found_on="2022-01-10", **extra):
    response = caller.post(f"/api/v1/agencies/{code}/deductions", json={
        "rule_code": rule_code, "found_on": found_on, "reason": "notice late", **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_registration_returns_the_agency_with_its_position(app, callers):
    body = register(callers.regulator)
    assert body["credit_code"] == A and body["registered_on"] == "2019-05-10"
    assert body["deregistered_on"] is None
    assert body["position"] == head(app)
    assert datetime.fromisoformat(body["recorded_at"]).utcoffset() == timedelta(0)
    assert callers.auditor.get(f"/api/v1/agencies/{A}").get_json()["name"] == body["name"]


def test_a_deduction_comes_back_whole_and_its_month_reflects_it(app, callers):
    register(callers.regulator)
    ded = deduct(callers.regulator, evidence={"document": "scan-17.pdf"})
    assert DEDUCTION_FIELDS <= set(ded)
    assert ded["base_points"] == 2 and ded["effective_points"] == 2
    assert ded["rectification_due"] == "2022-01-24" and ded["recorded_by"] == "li.regulator"
    month = callers.agency_a.get(f"/api/v1/agencies/{A}/months/2022-01").get_json()
    assert month["score"] == 98 and [d["id"] for d in month["deductions"]] == [ded["id"]]


def test_scores_are_json_numbers_with_exact_hundredths(app, callers):
    register(callers.regulator)
    ded = deduct(callers.regulator)
    rectified = callers.regulator.post(f"/api/v1/deductions/{ded['id']}/rectification",
                                       json={"completed_on": "2022-01-20"})
    assert rectified.status_code == 201
    assert json.loads(rectified.data)["effective_points"] == 1
    month = callers.regulator.get(f"/api/v1/agencies/{A}/months/2022-01")
    assert b'"score": 99' in month.data or b'"score":99' in month.data
    provincial = callers.regulator.post(f"/api/v1/agencies/{A}/provincial-evaluations",
                                        json={"year": 2022, "score": 92.55})
    assert b"92.55" in provincial.data and b'"92.55"' not in provincial.data


def test_a_dispute_filed_and_resolved_comes_back_whole(app, callers):
    register(callers.regulator)
    ded = deduct(callers.regulator, rule_code="D05", found_on="2022-01-25")
    filed = callers.regulator.post(f"/api/v1/deductions/{ded['id']}/disputes",
                                   json={"grounds": "or equivalent", "filed_on": "2022-01-27"})
    assert filed.status_code == 201
    dispute = filed.get_json()
    assert DISPUTE_FIELDS <= set(dispute) and dispute["status"] == "open"
    resolved = callers.reviewer.post(f"/api/v1/disputes/{dispute['id']}/resolution", json={
        "outcome": "reduced", "points": 3, "reasoning": "still pointed", "decided_on": "2022-02-14"})
    assert resolved.status_code == 201
    assert resolved.get_json()["status"] == "reduced" and resolved.get_json()["points"] == 3
    assert resolved.get_json()["decided_by"] == "wang.reviewer"
    listed = callers.auditor.get(f"/api/v1/agencies/{A}/deductions?status=reduced").get_json()
    assert [d["effective_points"] for d in listed] == [3]


def test_training_secondment_rating_and_publication_come_back_with_positions(app, callers):
    register(callers.regulator)
    session = callers.regulator.post("/api/v1/training-sessions", json={
        "kind": "online", "held_on": "2022-03-01", "topic": "e-procurement", "hours": 1.5})
    assert session.status_code == 201 and session.get_json()["hours"] == 1.5
    attendance = callers.regulator.post(
        f"/api/v1/training-sessions/{session.get_json()['id']}/attendance",
        json={"agency": A, "staff_ref": "E1", "staff_name": "张三"})
    assert attendance.status_code == 201 and attendance.get_json()["position"] == head(app)
    secondment = callers.regulator.post(f"/api/v1/agencies/{A}/secondments", json={
        "staff_ref": "E1", "staff_name": "张三", "department": "office",
        "started_on": "2022-03-01"})
    assert secondment.status_code == 201
    completed = callers.regulator.post(
        f"/api/v1/secondments/{secondment.get_json()['id']}/completion",
        json={"ended_on": "2022-04-14"})
    assert completed.get_json()["ended_on"] == "2022-04-14"
    rating = callers.regulator.post(f"/api/v1/agencies/{A}/purchaser-ratings", json={
        "rated_on": "2022-03-05", "purchaser": "school", "project_ref": "P9", "rating": 65})
    assert rating.status_code == 201 and rating.get_json()["rating"] == 65
    first = callers.regulator.post("/api/v1/months/2022-03/publication",
                                   json={"published_on": "2022-04-02"})
    again = callers.regulator.post("/api/v1/months/2022-03/publication",
                                   json={"published_on": "2022-04-09"})
    assert (first.get_json()["revision"], again.get_json()["revision"]) == (1, 2)
    stats = callers.anonymous.get("/api/v1/training/statistics?year=2022").get_json()
    assert stats["person_times"] == 1
    evaluation = callers.agency_a.get(f"/api/v1/agencies/{A}/evaluations/2022").get_json()
    assert evaluation["purchaser_ratings"] == 1 and evaluation["trained_staff"] == 1


@pytest.mark.parametrize("method, path", [
    ("GET", f"/api/v1/agencies/{A}"),
    ("GET", f"/api/v1/agencies/{A}/months/2022-01"),
    ("GET", f"/api/v1/agencies/{A}/evaluations/2022"),
    ("POST", "/api/v1/deductions/not-a-uuid/withdrawal"),
    ("POST", "/api/v1/deductions/6f1c1b7e-1111-4aaa-8bbb-000000000000/withdrawal"),
    ("POST", "/api/v1/disputes/6f1c1b7e-1111-4aaa-8bbb-000000000000/resolution"),
    ("POST", "/api/v1/training-sessions/6f1c1b7e-1111-4aaa-8bbb-000000000000/attendance"),
    ("POST", f"/api/v1/secondments/{A}-S9/completion"),
    ("POST", "/api/v1/projections/no-such-projection/rebuild"),
    ("GET", "/api/v1/no-such-route"),
])
def test_unknown_ids_and_routes_are_404_in_the_error_shape(sqlite_app, sqlite_callers, method,
                                                           path):
    bodies = {"withdrawal": {"reason": "r"}, "attendance": {
        "agency": A, "staff_ref": "E1", "staff_name": "n"}, "completion": {
        "ended_on": "2022-01-02"}, "resolution": {
        "outcome": "upheld", "reasoning": "r", "decided_on": "2022-01-02"}}
    caller = sqlite_callers.reviewer if "resolution" in path else sqlite_callers.regulator
    before = head(sqlite_app)
    response = (caller.get(path) if method == "GET"
                else caller.post(path, json=bodies.get(path.rsplit("/", 1)[1])))
    assert response.status_code == 404, response.get_json()
    assert set(response.get_json()) == {"code", "status", "message", "errors"}
    assert head(sqlite_app) == before


def test_standings_without_a_published_month_are_404(sqlite_callers):
    assert sqlite_callers.anonymous.get("/api/v1/standings").status_code == 404


def refuse(app, response, fragment: str) -> None:
    body = response.get_json()
    assert response.status_code == 409, body
    assert body["code"] == 409 and fragment in body["message"]


def test_domain_refusals_are_409_with_an_actionable_message_and_record_nothing(app, callers):
    register(callers.regulator)
    register(callers.regulator, B)
    ded = deduct(callers.regulator, found_on="2022-02-15")
    callers.regulator.post(f"/api/v1/deductions/{ded['id']}/withdrawal", json={"reason": "err"})
    session = callers.regulator.post("/api/v1/training-sessions", json={
        "kind": "lecture", "held_on": "2022-03-01", "topic": "law", "hours": 2}).get_json()
    attend = {"agency": A, "staff_ref": "E1", "staff_name": "张三"}
    callers.regulator.post(f"/api/v1/training-sessions/{session['id']}/attendance", json=attend)
    second = {"staff_ref": "E1", "staff_name": "张三", "department": "o", "started_on": "2022-03-01"}
    callers.regulator.post(f"/api/v1/agencies/{A}/secondments", json=second)
    late = deduct(callers.regulator, B, found_on="2022-02-15")
    before = head(app)

    refuse(app, callers.regulator.post("/api/v1/agencies", json={
        "credit_code": A, "name": "again", "registered_on": "2019-05-10"}), "already registered")
    refuse(app, callers.regulator.post(f"/api/v1/deductions/{ded['id']}/withdrawal",
                                       json={"reason": "twice"}), "withdraw")
    refuse(app, callers.regulator.post(
        f"/api/v1/training-sessions/{session['id']}/attendance", json=attend), "E1")
    refuse(app, callers.regulator.post(f"/api/v1/agencies/{A}/secondments",
                                       json={**second, "started_on": "2022-03-05"}), "E1")
    refuse(app, callers.regulator.post(f"/api/v1/deductions/{late['id']}/disputes", json={
        "grounds": "late", "filed_on": "2022-02-23"}), "2022-02-22")
    assert head(app) == before
