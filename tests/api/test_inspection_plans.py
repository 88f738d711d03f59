"""/api/v1/inspection-plans: the draw, the public plan with statuses, inspections, refusals."""

from __future__ import annotations

import json
from datetime import date

import pytest

from ledger.api import create_app
from ledger.domain.credit_code import check_character
from tests.api.conftest import Callers, head, principal

TODAY = date(2026, 6, 30)
PLAN_FIELDS = {"year", "drawn_on", "ratio", "team_size", "seed_text", "inspectors",
               "head_position", "head_hash", "seed", "candidates", "selected", "position",
               "recorded_at"}
INSPECTION_FIELDS = {"year", "agency", "inspected_on", "inspectors", "summary", "deduction_ids",
                     "position", "recorded_at"}


def code(n: int) -> str:
    first = f"91341800{n:09d}"
    return first + check_character(first)


NEW, OLD, LATE = code(1), code(2), code(3)


def make(url: str, today: date = TODAY):
    return create_app({"TESTING": True, "DATABASE_URL": url, "TODAY": lambda: today})


@pytest.fixture
def app(database_url):
    app = make(database_url)
    ledger = app.extensions["ledger"].ledger
    li = principal("regulator")
    ledger.register_agency(li, NEW, "新设代理机构", date(2025, 9, 1))  # new: mandatory
    ledger.register_agency(li, OLD, "老代理机构", date(2020, 1, 1))
    ledger.register_agency(li, LATE, "后设代理机构", date(2026, 6, 1))  # after the draw
    yield app
    app.extensions["ledger"].close()


@pytest.fixture
def callers(app) -> Callers:
    return Callers(app)


def body(**kw) -> dict:
    return {"year": 2026, "drawn_on": "2026-05-20", "ratio": 0.5, "seed_text": "体彩 26055 期",
            "inspectors": [{"name": "张伟", "conflicts": [NEW]}, {"name": "李娜"},
                           {"name": "王芳", "conflicts": []}], **kw}


def test_a_regulator_draws_the_plan_and_anyone_reads_it(callers):
    created = callers.regulator.post("/api/v1/inspection-plans", json=body())
    assert created.status_code == 201, created.json
    plan = created.json
    assert PLAN_FIELDS <= plan.keys()
    assert (plan["year"], plan["drawn_on"], plan["ratio"], plan["team_size"]) == (
        2026, "2026-05-20", 0.5, 2)
    assert plan["candidates"] == 2 and plan["position"] == plan["head_position"] + 1
    selected = {s["agency"]: s for s in plan["selected"]}
    assert selected[NEW]["reasons"] == ["new_agency"]
    assert "张伟" not in selected[NEW]["team"] and len(selected[NEW]["team"]) == 2
    assert selected[OLD]["reasons"] == ["random"]  # k = ceil(0.5 x 1) = 1
    assert [s["agency"] for s in plan["selected"]] == sorted(selected)
    public = callers.anonymous.get("/api/v1/inspection-plans/2026")
    assert public.status_code == 200
    assert {s["status"] for s in public.json["selected"]} == {"planned"}
    assert public.json["seed"] == plan["seed"]


@pytest.mark.parametrize("who, status", [("anonymous", 401), ("reviewer", 403),
                                         ("auditor", 403), ("agency_a", 403)])
def test_only_a_regulator_may_draw(callers, app, who, status):
    before = head(app)
    assert callers[who].post("/api/v1/inspection-plans", json=body()).status_code == status
    assert head(app) == before


def test_a_second_plan_of_the_year_is_a_conflict(callers, app):
    assert callers.regulator.post("/api/v1/inspection-plans", json=body()).status_code == 201
    before = head(app)
    again = callers.regulator.post("/api/v1/inspection-plans", json=body(seed_text="再来"))
    assert again.status_code == 409 and "already drawn" in again.json["message"]
    assert head(app) == before


@pytest.mark.parametrize("change, field, status", [
    # what the description states: invalid input
    ({"ratio": 0}, "ratio", 422), ({"ratio": 1.5}, "ratio", 422),
    ({"seed_text": " "}, "seed_text", 422),
    ({"inspectors": [{"name": "甲", "conflicts": ["123"]}, {"name": "乙"}]}, "inspectors", 422),
    # well formed, but in conflict with today's date or with another field
    ({"year": 2025}, "year", 409), ({"drawn_on": "2026-07-01"}, "drawn_on", 409),
    ({"team_size": 4}, "inspectors", 409),
    ({"inspectors": [{"name": "甲"}, {"name": "甲"}]}, "inspectors", 409),
])
def test_bad_plan_input_is_refused_naming_the_field(callers, app, change, field, status):
    before = head(app)
    response = callers.regulator.post("/api/v1/inspection-plans", json=body(**change))
    assert response.status_code == status, response.json
    assert any(key.split(".")[0] == field for key in response.json["errors"])
    assert head(app) == before


def test_too_few_inspectors_without_conflict_is_a_conflict_naming_the_agency(callers, app):
    before = head(app)
    response = callers.regulator.post("/api/v1/inspection-plans", json=body(
        inspectors=[{"name": "甲", "conflicts": [NEW]}, {"name": "乙"}]))
    assert response.status_code == 409 and NEW in response.json["message"]
    assert head(app) == before


def test_an_unknown_plan_is_not_found(callers):
    assert callers.anonymous.get("/api/v1/inspection-plans/2026").status_code == 404
    assert callers.anonymous.get("/api/v1/inspection-plans/2026/inspections").status_code == 404


def test_inspections_are_recorded_and_change_the_status(callers, app, database_url):
    plan = callers.regulator.post("/api/v1/inspection-plans", json=body()).json
    team = {s["agency"]: s["team"] for s in plan["selected"]}
    ledger = app.extensions["ledger"].ledger
    found = ledger.record_deduction(principal("regulator"), NEW, "D01", date(2026, 6, 2),
                                    "公告逾期").id
    response = callers.regulator.post("/api/v1/inspection-plans/2026/inspections", json={
        "agency": NEW, "inspected_on": "2026-06-02", "inspectors": team[NEW],
        "summary": "发现公告逾期一次", "deduction_ids": [found]})
    assert response.status_code == 201, response.json
    assert INSPECTION_FIELDS <= response.json.keys()
    assert response.json["deduction_ids"] == [found]
    listed = callers.anonymous.get("/api/v1/inspection-plans/2026/inspections")
    assert [i["agency"] for i in listed.json] == [NEW]
    assert listed.headers["X-Total-Count"] == "1"
    assert callers.anonymous.get("/api/v1/inspection-plans/2026/inspections",
                                 query_string={"offset": 1}).json == []
    statuses = {s["agency"]: s["status"] for s in
                callers.anonymous.get("/api/v1/inspection-plans/2026").json["selected"]}
    assert statuses == {NEW: "inspected", OLD: "planned"}
    before = callers.anonymous.get("/api/v1/inspection-plans/2026", query_string={
        "as_of_position": response.json["position"] - 1}).json
    assert {s["status"] for s in before["selected"]} == {"planned"}
    gone = callers.anonymous.get("/api/v1/inspection-plans/2026", query_string={
        "as_of_position": plan["position"] - 1})
    assert gone.status_code == 404
    next_year = make(database_url, date(2027, 1, 1))
    try:
        later = Callers(next_year).anonymous.get("/api/v1/inspection-plans/2026").json
    finally:
        next_year.extensions["ledger"].close()
    assert {s["agency"]: s["status"] for s in later["selected"]} == {
        NEW: "inspected", OLD: "overdue"}


def test_inspection_refusals(callers, app):
    plan = callers.regulator.post("/api/v1/inspection-plans", json=body()).json
    team = {s["agency"]: s["team"] for s in plan["selected"]}
    ledger = app.extensions["ledger"].ledger
    theirs = ledger.record_deduction(principal("regulator"), OLD, "D01", date(2026, 6, 2),
                                     "公告逾期").id
    before = head(app)
    post = callers.regulator.post
    url = "/api/v1/inspection-plans/2026/inspections"
    ok = {"agency": NEW, "inspected_on": "2026-06-02", "inspectors": team[NEW], "summary": "检查"}
    assert post(url, json={**ok, "agency": LATE}).status_code == 409
    assert post(url, json={**ok, "deduction_ids": [theirs]}).status_code == 409
    assert post(url, json={**ok, "inspectors": ["外人", "张伟"]}).status_code == 409
    early = post(url, json={**ok, "inspected_on": "2026-05-19"})
    assert early.status_code == 422 and "inspected_on" in early.json["errors"]
    assert post(url, json={**ok, "summary": ""}).status_code == 422
    assert post("/api/v1/inspection-plans/2025/inspections", json=ok).status_code == 404
    assert callers.auditor.post(url, json=ok).status_code == 403
    assert head(app) == before


def test_a_ratio_with_a_vast_exponent_is_refused_at_once(callers, app):
    raw = json.dumps(body()).replace('"ratio": 0.5', '"ratio": 1e-999999999')
    response = callers.regulator.post("/api/v1/inspection-plans", data=raw,
                                      headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "ratio" in response.json["errors"]
