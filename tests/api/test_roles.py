"""The role table of API.md on every route: 401 without a known token, 403 for a role or an
agency that may not, and nothing recorded by a refused request."""

from __future__ import annotations

import pytest

from tests.api.conftest import A, B, head

WRITERS = {"regulator"}
EVERYONE = {"regulator", "reviewer", "auditor", "agency_a"}  # agency_a owns A
OPERATORS = {"regulator", "auditor"}
PRINCIPALS = ("anonymous", "unknown", "regulator", "reviewer", "auditor", "agency_a",
              "agency_b")

# name -> (method, path, body, who may, success status); paths/bodies may use the world
ROUTES = {
    "register agency": ("POST", "/api/v1/agencies", {
        "credit_code": "91341800WQD9LLEHT2", "name": "C", "registered_on": "2021-01-01"},
        WRITERS, 201),
    "deregister agency": ("POST", f"/api/v1/agencies/{A}/deregistration",
                          {"deregistered_on": "2023-01-01"}, WRITERS, 201),
    "record deduction": ("POST", f"/api/v1/agencies/{A}/deductions", {
        "rule_code": "D03", "found_on": "2022-05-05", "reason": "contract late"}, WRITERS, 201),
    "withdraw deduction": ("POST", "/api/v1/deductions/{w.deduction_a_undisputed}/withdrawal",
                           {"reason": "recorded in error"}, WRITERS, 201),
    "rectify deduction": ("POST", "/api/v1/deductions/{w.deduction_a_undisputed}/rectification",
                          {"completed_on": "2022-03-15"}, WRITERS, 201),
    "file dispute": ("POST", "/api/v1/deductions/{w.deduction_a_today}/disputes",
                     {"grounds": "it was on time"}, {"regulator", "agency_a"}, 201),
    "resolve dispute": ("POST", "/api/v1/disputes/{w.dispute_a}/resolution", {
        "outcome": "upheld", "reasoning": "late indeed", "decided_on": "2022-01-20"},
        {"reviewer"}, 201),
    "hold session": ("POST", "/api/v1/training-sessions", {
        "kind": "online", "held_on": "2022-06-01", "topic": "e-procurement", "hours": 1.5},
        WRITERS, 201),
    "record attendance": ("POST", "/api/v1/training-sessions/{w.session}/attendance", {
        "agency": A, "staff_ref": "E009", "staff_name": "李四"}, WRITERS, 201),
    "start secondment": ("POST", f"/api/v1/agencies/{A}/secondments", {
        "staff_ref": "E002", "staff_name": "王五", "department": "supervision",
        "started_on": "2022-05-01"}, WRITERS, 201),
    "complete secondment": ("POST", "/api/v1/secondments/{w.secondment_a}/completion",
                            {"ended_on": "2022-05-20"}, WRITERS, 201),
    "rate agency": ("POST", f"/api/v1/agencies/{A}/purchaser-ratings", {
        "rated_on": "2022-05-01", "purchaser": "city hospital", "project_ref": "P-1",
        "rating": 88.5}, WRITERS, 201),
    "provincial score": ("POST", f"/api/v1/agencies/{A}/provincial-evaluations",
                         {"year": 2022, "score": 91.25}, WRITERS, 201),
    "publish month": ("POST", "/api/v1/months/2022-01/publication",
                      {"published_on": "2022-02-10"}, WRITERS, 201),
    "agency detail": ("GET", f"/api/v1/agencies/{A}", None, EVERYONE, 200),
    "agency month": ("GET", f"/api/v1/agencies/{A}/months/2022-01", None, EVERYONE, 200),
    "month trail": ("GET", f"/api/v1/agencies/{A}/months/2022-01/trail", None, EVERYONE, 200),
    "evaluation": ("GET", f"/api/v1/agencies/{A}/evaluations/2022", None, EVERYONE, 200),
    "agency events": ("GET", f"/api/v1/agencies/{A}/events", None, EVERYONE, 200),
    "agency deductions": ("GET", f"/api/v1/agencies/{A}/deductions?month=2022-01", None,
                          EVERYONE, 200),
    "disputes": ("GET", "/api/v1/disputes", None, EVERYONE | {"agency_b"}, 200),
    "standings": ("GET", "/api/v1/standings?month=2022-01", None, set(PRINCIPALS), 200),
    "annual standings": ("GET", "/api/v1/standings/annual?year=2022", None, set(PRINCIPALS),
                         200),
    "training statistics": ("GET", "/api/v1/training/statistics?year=2022", None,
                            set(PRINCIPALS), 200),
    "projections": ("GET", "/api/v1/projections", None, OPERATORS, 200),
    "rebuild projection": ("POST", "/api/v1/projections/{projection}/rebuild", None,
                           OPERATORS, 202),
    "integrity": ("GET", "/api/v1/integrity", None, OPERATORS, 200),
}


def expected_status(route: str, who: str) -> int:
    _, _, _, allowed, success = ROUTES[route]
    if who in allowed:
        return success
    return 401 if who in ("anonymous", "unknown") else 403


@pytest.mark.parametrize("who", PRINCIPALS)
@pytest.mark.parametrize("route", list(ROUTES))
def test_route_answers_each_principal_as_the_role_table_says(sqlite_app, sqlite_callers, world,
                                                             route, who):
    method, path, body, _, _ = ROUTES[route]
    projection = sqlite_app.extensions["ledger"].read_side.projections()[0]["name"]
    path = path.format(w=world, projection=projection)
    before = head(sqlite_app)
    caller = sqlite_callers[who]
    response = caller.post(path, json=body) if method == "POST" else caller.get(path)
    status = expected_status(route, who)
    assert response.status_code == status, response.get_json()
    if status in (401, 403):
        assert response.get_json()["code"] == status
        assert head(sqlite_app) == before  # a refused request records nothing
    elif method == "POST" and status == 201:
        assert response.get_json()["position"] == head(sqlite_app)


def test_an_agency_sees_only_its_own_disputes(sqlite_callers, world):
    own = sqlite_callers.agency_a.get("/api/v1/disputes").get_json()
    other = sqlite_callers.agency_b.get("/api/v1/disputes").get_json()
    everyone = sqlite_callers.auditor.get("/api/v1/disputes").get_json()
    assert [d["id"] for d in own] == [world.dispute_a] == [d["id"] for d in everyone]
    assert other == []


def test_an_agency_may_not_dispute_another_agencys_deduction(sqlite_app, sqlite_callers, world):
    before = head(sqlite_app)
    response = sqlite_callers.agency_a.post(f"/api/v1/deductions/{world.deduction_b}/disputes",
                                            json={"grounds": "not ours"})
    assert response.status_code == 403
    assert head(sqlite_app) == before


def test_a_reviewer_may_not_resolve_a_dispute_on_a_deduction_they_recorded(sqlite_app,
                                                                          sqlite_callers):
    tokens = sqlite_app.extensions["ledger"].tokens
    from tests.api.conftest import Caller
    same_person = Caller(sqlite_callers.reviewer.client,
                         tokens.create("regulator", "wang.reviewer"))  # reviewer's own name
    same_person.post("/api/v1/agencies", json={
        "credit_code": B, "name": "B", "registered_on": "2020-01-01"})
    ded = same_person.post(f"/api/v1/agencies/{B}/deductions", json={
        "rule_code": "D01", "found_on": "2022-01-11", "reason": "late"}).get_json()
    dispute = sqlite_callers.regulator.post(f"/api/v1/deductions/{ded['id']}/disputes", json={
        "grounds": "on time", "filed_on": "2022-01-12"}).get_json()
    before = head(sqlite_app)
    response = sqlite_callers.reviewer.post(f"/api/v1/disputes/{dispute['id']}/resolution", json={
        "outcome": "overturned", "reasoning": "mine", "decided_on": "2022-01-13"})
    assert response.status_code == 403
    assert "wang.reviewer" in response.get_json()["message"]
    assert head(sqlite_app) == before


def test_an_unknown_token_is_401_and_a_known_one_of_the_wrong_role_is_403(sqlite_callers, world):
    assert sqlite_callers.unknown.get(f"/api/v1/agencies/{A}").status_code == 401
    assert sqlite_callers.agency_b.get(f"/api/v1/agencies/{A}").status_code == 403
    malformed = sqlite_callers.anonymous.get(f"/api/v1/agencies/{A}",
                                             headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert malformed.status_code == 401
    assert malformed.headers["WWW-Authenticate"] == "Bearer"


def test_role_is_checked_before_the_body_is_read(sqlite_callers):
    response = sqlite_callers.auditor.post(f"/api/v1/agencies/{A}/deductions", json={"x": 1})
    assert response.status_code == 403
