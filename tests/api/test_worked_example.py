"""The worked example of the spec replayed through HTTP, checked against every expected answer."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import Caller, Callers

ROUTES = {  # op -> (path template, fields of the op that are not body fields)
    "register": ("/api/v1/agencies", {"code"}),
    "deregister": ("/api/v1/agencies/{code}/deregistration", {"code"}),
    "deduct": ("/api/v1/agencies/{code}/deductions", {"code"}),
    "withdraw": ("/api/v1/deductions/{ded}/withdrawal", {"ded"}),
    "rectify": ("/api/v1/deductions/{ded}/rectification", {"ded"}),
    "dispute": ("/api/v1/deductions/{ded}/disputes", {"ded"}),
    "resolve": ("/api/v1/disputes/{disp}/resolution", {"disp"}),
    "session": ("/api/v1/training-sessions", set()),
    "attend": ("/api/v1/training-sessions/{sess}/attendance", {"sess"}),
    "second_start": ("/api/v1/agencies/{agency}/secondments", {"agency"}),
    "second_end": ("/api/v1/secondments/{sec}/completion", {"sec"}),
    "rating": ("/api/v1/agencies/{agency}/purchaser-ratings", {"agency"}),
    "provincial": ("/api/v1/agencies/{agency}/provincial-evaluations", {"agency"}),
    "publish": ("/api/v1/months/{month}/publication", {"month"}),
}
NOT_BODY = {"op", "ref", "expect"}


def plain(response) -> dict:
    """The body as any JSON client reads it (numbers as int/float, not Decimal)."""
    return json.loads(response.data)


def caller_for(op: dict, callers: Callers, agencies: dict[str, Caller], owner_of: dict) -> Caller:
    if op["op"] == "resolve":
        return callers.reviewer
    if op["op"] == "dispute" and "filed_on" not in op:  # the agency files its own, today
        return agencies[owner_of[op["ded"]]]
    return callers.regulator


@pytest.fixture
def replay(app, scenario):
    """Send every op; return the responses by op index and the ids the refs stand for."""
    callers = Callers(app)
    tokens = app.extensions["ledger"].tokens
    agencies = {code: Caller(callers.regulator.client,
                             tokens.create("agency", f"agency-{code}", code))
                for code in scenario["agencies"]}
    ids: dict[str, str] = {}
    owner_of: dict[str, str] = {}
    responses = []
    for op in scenario["ops"]:
        template, path_fields = ROUTES[op["op"]]
        if op["op"] == "register":
            path_fields = set()
            body = {k: v for k, v in op.items() if k not in NOT_BODY | {"code"}}
            body["credit_code"] = op["code"]  # the example's `code` is the API's credit_code
        else:
            body = {k: v for k, v in op.items() if k not in NOT_BODY | path_fields}
        refs = {name: ids.get(op[name], op[name]) for name in path_fields}
        response = caller_for(op, callers, agencies, owner_of).post(
            template.format(**refs), json=body)
        responses.append(response)
        if response.status_code == 201 and "ref" in op:
            ids[op["ref"]] = response.get_json()["id"]
            if op["op"] == "deduct":
                owner_of[op["ref"]] = op["code"]
    return callers, responses, {v: k for k, v in ids.items()}


def test_every_op_is_accepted_except_the_refused_ones(replay, scenario, expected):
    _, responses, _ = replay
    refused = {int(i): status for i, status in expected["refused_ops"].items()}
    for index, response in enumerate(responses):
        assert response.status_code == refused.get(index, 201), (index, response.get_json())
        if index in refused:
            assert response.get_json()["message"]


def test_monthly_scores(replay, expected):
    callers, _, _ = replay
    for code, months in expected["monthly_scores"].items():
        for month, score in months.items():
            body = plain(callers.auditor.get(f"/api/v1/agencies/{code}/months/{month}"))
            assert body["score"] == score, (code, month, body)
            assert body["assessed"] is (score is not None)


def test_annual_evaluations(replay, expected):
    callers, _, _ = replay
    for code, figures in expected["evaluations"].items():
        body = plain(callers.auditor.get(f"/api/v1/agencies/{code}/evaluations/2022"))
        assert {key: body[key] for key in figures} == figures, code


def rows(body: dict, fields=("rank", "agency", "score")) -> list[dict]:
    return [{key: row[key] for key in fields} for row in body["rows"]]


def test_current_and_published_standings(replay, expected):
    callers, _, _ = replay
    for month, standing in expected["standings_current"].items():
        body = plain(callers.anonymous.get(f"/api/v1/standings?month={month}"))
        assert (body["basis"], rows(body)) == ("current", standing), month
    for month, standing in expected["standings_published"].items():
        body = plain(callers.anonymous.get(
            f"/api/v1/standings?month={month}&basis=published"))
        assert (body["basis"], rows(body)) == ("published", standing), month


def test_annual_standings(replay, expected):
    callers, _, _ = replay
    body = plain(callers.anonymous.get("/api/v1/standings/annual?year=2022"))
    assert rows(body) == expected["annual_standings"]


def test_trails_name_the_op_behind_each_entry(replay, expected):
    callers, responses, ref_of = replay
    op_at = {r.get_json()["position"]: i for i, r in enumerate(responses) if r.status_code == 201}
    for key, entries in expected["trails"].items():
        code, month = key.split()
        body = plain(callers.auditor.get(f"/api/v1/agencies/{code}/months/{month}/trail"))
        got = [{"op_index": op_at[e["position"]], "event": e["event"],
                "deduction": ref_of.get(e["deduction_id"]), "score_before": e["score_before"],
                "score_after": e["score_after"]}
               for e in body["entries"] if e["event"] != "AgencyRegistered"]
        assert got == entries, key


def test_training_statistics(replay, expected):
    callers, _, _ = replay
    body = plain(callers.anonymous.get("/api/v1/training/statistics?year=2022"))
    assert {key: body[key] for key in expected["training_statistics"]} == \
        expected["training_statistics"]
