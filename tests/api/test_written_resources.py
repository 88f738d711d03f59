"""Writes whose resource holds no figure of the fold answer from the command's aggregate,
without waiting for the read models: each answer is the resource a read then gives."""

from __future__ import annotations

from ledger.api.agencies import Agency
from ledger.api.secondments import Secondment
from ledger.api.training import Session
from tests.api.conftest import A

RECEIPT = ("position", "recorded_at")


def without_receipt(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in RECEIPT}


def test_agency_secondment_and_session_answers_are_what_the_read_side_holds(app, callers):
    side = app.extensions["ledger"].read_side
    registered = callers.regulator.post("/api/v1/agencies", json={
        "credit_code": A, "name": " 宣城敬亭招标代理有限公司 ", "registered_on": "2019-05-10"})
    assert registered.status_code == 201
    head_before_read = side.runner.active("assessments")[1]
    assert head_before_read < registered.get_json()["position"]  # answered without catching up
    got = callers.regulator.get(f"/api/v1/agencies/{A}")
    assert without_receipt(registered.get_json()) == got.get_json()

    started = callers.regulator.post(f"/api/v1/agencies/{A}/secondments", json={
        "staff_ref": "S-1", "staff_name": " 张三 ", "department": "采购科",
        "started_on": "2022-03-01"})
    assert started.status_code == 201
    sid = started.get_json()["id"]
    assert without_receipt(started.get_json()) == Secondment().dump(side.secondment(sid))
    completed = callers.regulator.post(f"/api/v1/secondments/{sid}/completion",
                                       json={"ended_on": "2022-05-31"})
    assert completed.status_code == 201 and completed.get_json()["ended_on"] == "2022-05-31"
    assert without_receipt(completed.get_json()) == Secondment().dump(side.secondment(sid))

    held = callers.regulator.post("/api/v1/training-sessions", json={
        "kind": "lecture", "held_on": "2022-04-01", "topic": " 政府采购法 ", "hours": 2.5})
    assert held.status_code == 201
    session = held.get_json()
    assert without_receipt(session) == Session().dump(side.training_session(session["id"]))
    assert session["attendance"] == 0

    deregistered = callers.regulator.post(f"/api/v1/agencies/{A}/deregistration",
                                          json={"deregistered_on": "2023-01-31"})
    assert deregistered.status_code == 201
    assert deregistered.get_json()["deregistered_on"] == "2023-01-31"
    assert without_receipt(deregistered.get_json()) == Agency().dump(side.agency(A))
