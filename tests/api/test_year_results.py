"""A year's results over HTTP, on both backends: notice (公示), objections (异议), final results."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.api import create_app
from tests.api.conftest import A, B, C, Callers, head, principal
from tests.clock import Clock

D = "91341800MA2NEW0010"  # registered in 2023: not assessed in 2022

NOTICE, OBJECTIONS, FINAL = ("/api/v1/years/2022/notice", "/api/v1/years/2022/objections",
                             "/api/v1/years/2022/final")


@pytest.fixture
def clock() -> Clock:
    return Clock(date(2023, 1, 19))


@pytest.fixture
def app(database_url, clock):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "TODAY": clock})
    yield app
    app.extensions["ledger"].close()


@pytest.fixture
def callers(app) -> Callers:
    return Callers(app)


@pytest.fixture
def year(app):
    """Agencies A, B, C assessed in 2022 (C only from December), D registered in 2023; A has
    a D01 (recorded by li.regulator), B a D02 recorded by wang.reviewer's colleague zhao."""
    ledger = app.extensions["ledger"].ledger
    li, zhao = principal("regulator"), principal("regulator_2")
    ledger.register_agency(li, A, "宣城敬亭招标代理有限公司", date(2019, 5, 10))
    ledger.register_agency(li, B, "皖南宛陵项目管理有限公司", date(2019, 5, 10))
    ledger.register_agency(li, C, "宁国港口招标有限公司", date(2022, 12, 1))
    ledger.register_agency(li, D, "新设代理公司", date(2023, 1, 3))
    ded_a = ledger.record_deduction(li, A, "D01", date(2022, 3, 10), "notice late").id
    ledger.record_deduction(zhao, B, "D02", date(2022, 5, 11), "result late")
    ledger.record_provincial_evaluation(li, A, 2022, Decimal(90))
    app.extensions["ledger"].read_side.wait_for(head(app))
    return {"deduction_a": ded_a}


def evaluation(callers, code, **params):
    response = callers.auditor.get(f"/api/v1/agencies/{code}/evaluations/2022",
                                   query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def test_the_notice_freezes_every_assessed_agencys_evaluation_every_field(callers, year):
    before = {code: evaluation(callers, code) for code in (A, B, C)}
    response = callers.regulator.post(NOTICE, json={"opened_on": "2023-01-19"})
    assert response.status_code == 201, response.json
    notice = response.json
    # 2023-01-19 (Thu): Jan 20, then the Spring Festival (Jan 21-27) off, the make-up days
    # Jan 28 and 29 worked, Jan 30, Jan 31: the 5th working day after it.
    assert (notice["year"], notice["opened_on"], notice["closes_on"]) == (
        2022, "2023-01-19", "2023-01-31")
    assert notice["agencies"] == 3  # D, registered in 2023, was not assessed in 2022
    assert notice["position"] == head(callers.regulator.client.application)
    for code in (A, B, C):
        ev = evaluation(callers, code)
        frozen = {k: v for k, v in before[code].items() if k != "provisional"}
        assert {k: ev["noticed"][k] for k in frozen} == frozen
        assert {"name", "bonus_parts", "caps_applied"} <= set(ev["noticed"])
        assert ev["provisional"] is True and "final" not in ev
    # The frozen figures equal the evaluation as of the position they were computed at.
    at = callers.anonymous.get(NOTICE).json["head_position"]
    for code in (A, B, C):
        as_then = evaluation(callers, code, as_of_position=at)
        noticed = evaluation(callers, code)["noticed"]
        assert {k: noticed[k] for k in as_then if k not in ("provisional", "noticed")} == {
            k: v for k, v in as_then.items() if k not in ("provisional", "noticed")}
    assert callers.anonymous.get(NOTICE).status_code == 200  # public
    second = callers.regulator.post(NOTICE, json={"opened_on": "2023-01-19"})
    assert second.status_code == 409 and "one notice per year" in second.json["message"]


@pytest.mark.parametrize("opened_on, field_message", [
    ("2022-12-31", "on or after 2023-01-01"), ("2023-01-20", "after today")])
def test_a_notice_opens_from_january_first_of_the_next_year_and_not_after_today(
        callers, year, opened_on, field_message):
    response = callers.regulator.post(NOTICE, json={"opened_on": opened_on})
    assert response.status_code == 409  # well formed, but the year or today says no
    assert field_message in " ".join(response.json["errors"]["opened_on"])
    assert callers.anonymous.get(NOTICE).status_code == 404  # nothing recorded


def test_only_a_regulator_opens_and_finalizes(callers, year):
    for who in ("reviewer", "auditor", "agency_a"):
        assert callers[who].post(NOTICE, json={"opened_on": "2023-01-19"}).status_code == 403
    assert callers.anonymous.post(NOTICE, json={"opened_on": "2023-01-19"}).status_code == 401


def open_notice(callers):
    response = callers.regulator.post(NOTICE, json={"opened_on": "2023-01-19"})
    assert response.status_code == 201, response.json


def test_objections_inside_and_outside_the_window_and_a_second_one(callers, year, clock):
    open_notice(callers)
    clock.day = date(2023, 1, 31)  # the last day of the period (after the holiday)
    filed = callers.agency_a.post(OBJECTIONS, json={"grounds": "D01 was withdrawn in spirit"})
    assert filed.status_code == 201, filed.json
    objection = filed.json
    assert (objection["agency"], objection["filed_on"], objection["status"]) == (
        A, "2023-01-31", "open")
    assert objection["review_due"] == "2023-02-14"  # 10 working days after Jan 31
    second = callers.agency_a.post(OBJECTIONS, json={"grounds": "again"})
    assert second.status_code == 409 and "one objection per agency" in second.json["message"]
    clock.day = date(2023, 2, 1)
    late = callers.agency_b.post(OBJECTIONS, json={"grounds": "too late"})
    assert late.status_code == 409 and "closed on 2023-01-31" in late.json["message"]
    # A regulator enters a paper objection of B dated inside the window.
    paper = callers.regulator.post(OBJECTIONS, json={"grounds": "paper", "agency": B,
                                                     "filed_on": "2023-01-30"})
    assert paper.status_code == 201 and paper.json["filed_on"] == "2023-01-30"
    # An agency is not assessed in 2022 (D) has no noticed result to object to.
    assert callers.regulator.post(OBJECTIONS, json={
            "grounds": "x", "agency": D, "filed_on": "2023-01-30"}
    ).status_code == 409
    listed = callers.reviewer.get(OBJECTIONS).json
    assert [o["agency"] for o in listed] == [A, B]
    assert [o["agency"] for o in callers.agency_b.get(OBJECTIONS).json] == [B]  # own only


def test_an_agency_objects_for_itself_dated_today(callers, year, clock):
    open_notice(callers)
    clock.day = date(2023, 1, 20)
    backdated = callers.agency_a.post(OBJECTIONS, json={"grounds": "x", "filed_on": "2023-01-19"})
    assert backdated.status_code == 422 and "filed_on" in backdated.json["errors"]
    other = callers.agency_a.post(OBJECTIONS, json={"grounds": "x", "agency": B})
    assert other.status_code == 403
    blank = callers.agency_a.post(OBJECTIONS, json={"grounds": "   "})
    assert blank.status_code == 422
    assert callers.regulator.post(OBJECTIONS, json={"grounds": "x"}).status_code == 409
    assert callers.reviewer.get(OBJECTIONS).json == []  # nothing recorded
    same_day = callers.agency_a.post(OBJECTIONS, json={"grounds": "x", "filed_on": "2023-01-20"})
    assert same_day.status_code == 201


def test_an_objection_before_the_notice_is_refused(callers, year):
    response = callers.agency_a.post(OBJECTIONS, json={"grounds": "x"})
    assert response.status_code == 409 and "not been opened" in response.json["message"]


def file_a(callers, clock):
    open_notice(callers)
    clock.day = date(2023, 1, 20)
    response = callers.agency_a.post(OBJECTIONS, json={"grounds": "the D01 was on time"})
    assert response.status_code == 201
    return response.json["id"]


def test_a_reviewer_who_recorded_a_deduction_of_that_agency_in_the_year_may_not_decide(
        app, callers, year, clock):
    # wang.reviewer (a reviewer token) recorded a deduction of A found in 2022 earlier, when
    # they held a regulator's role: the record says so, and that is what counts.
    ledger = app.extensions["ledger"].ledger
    from ledger.domain.principals import Principal
    ledger.record_deduction(Principal("wang.reviewer", "regulator"), A, "D03",
                            date(2022, 8, 1), "bid bond")
    oid = file_a(callers, clock)
    body = {"outcome": "dismissed", "reasoning": "on file", "decided_on": "2023-01-20"}
    refused = callers.reviewer.post(f"/api/v1/objections/{oid}/resolution", json=body)
    assert refused.status_code == 403 and "recorded a deduction" in refused.json["message"]
    assert callers.reviewer.get(f"/api/v1/objections/{oid}").json["status"] == "open"
    # Another reviewer may.
    tokens = app.extensions["ledger"].tokens
    from tests.api.conftest import Caller
    other = Caller(app.test_client(), tokens.create("reviewer", "sun.reviewer", None))
    assert other.post(f"/api/v1/objections/{oid}/resolution", json=body).status_code == 201


def test_resolution_input_rules(callers, year, clock):
    oid = file_a(callers, clock)
    path = f"/api/v1/objections/{oid}/resolution"
    # Malformed: 422; well formed but before the filing or after today: 409.
    cases = [({"outcome": "upheld", "reasoning": "r", "decided_on": "2023-01-20"}, "outcome",
              422),
             ({"outcome": "dismissed", "reasoning": " ", "decided_on": "2023-01-20"},
              "reasoning", 422),
             ({"outcome": "dismissed", "reasoning": "r", "decided_on": "2023-01-19"},
              "decided_on", 409),
             ({"outcome": "dismissed", "reasoning": "r", "decided_on": "2023-01-21"},
              "decided_on", 409)]
    for body, field, status in cases:
        response = callers.reviewer.post(path, json=body)
        assert response.status_code == status, (body, response.json)
        assert field in str(response.json["errors"]), (body, response.json)
    assert callers.regulator.post(path, json=cases[0][0] | {"outcome": "dismissed"}
                                  ).status_code == 403
    assert callers.reviewer.post("/api/v1/objections/2022-nope/resolution",
                                 json=cases[0][0] | {"outcome": "dismissed"}).status_code == 404
    assert callers.reviewer.get(f"/api/v1/objections/{oid}").json["status"] == "open"


def test_corrected_refreezes_only_that_agency_from_its_current_evaluation(
        app, callers, year, clock):
    oid = file_a(callers, clock)
    noticed_b = evaluation(callers, B)["noticed"]
    noticed_a = evaluation(callers, A)["noticed"]
    # The facts are corrected first through the usual command: A's D01 withdrawn; B also
    # gets a later fact, which must not reach B's noticed result.
    li = principal("regulator")
    assert callers.regulator.post(f"/api/v1/deductions/{year['deduction_a']}/withdrawal",
                                  json={"reason": "objection found it on time"}
                                  ).status_code == 201
    app.extensions["ledger"].ledger.record_provincial_evaluation(li, B, 2022, Decimal(50))
    decided = callers.reviewer.post(f"/api/v1/objections/{oid}/resolution", json={
        "outcome": "corrected", "reasoning": "D01 withdrawn", "decided_on": "2023-01-20"})
    assert decided.status_code == 201, decided.json
    assert decided.json["status"] == "corrected" and decided.json["decided_by"] == "wang.reviewer"
    a, b = evaluation(callers, A), evaluation(callers, B)
    assert a["noticed"]["deducted_points"] == 0 != noticed_a["deducted_points"]
    assert a["noticed"]["score"] == a["score"]
    assert b["noticed"] == noticed_b and b["score"] != noticed_b["score"]
    again = callers.reviewer.post(f"/api/v1/objections/{oid}/resolution", json={
        "outcome": "dismissed", "reasoning": "x", "decided_on": "2023-01-20"})
    assert again.status_code == 409
    # The final basis is the noticed one with its correction.
    clock.day = date(2023, 2, 1)
    assert callers.regulator.post(FINAL, json={"finalized_on": "2023-02-01"}).status_code == 201
    assert evaluation(callers, A)["final"] == a["noticed"]
    assert evaluation(callers, B)["final"] == noticed_b


def test_dismissed_leaves_the_noticed_result(app, callers, year, clock):
    oid = file_a(callers, clock)
    noticed = evaluation(callers, A)["noticed"]
    callers.regulator.post(f"/api/v1/deductions/{year['deduction_a']}/withdrawal",
                           json={"reason": "late find"})
    assert callers.reviewer.post(f"/api/v1/objections/{oid}/resolution", json={
        "outcome": "dismissed", "reasoning": "no ground", "decided_on": "2023-01-20"}
    ).status_code == 201
    assert evaluation(callers, A)["noticed"] == noticed


def test_finalizing_is_refused_before_the_window_ends_and_while_an_objection_is_open(
        callers, year, clock):
    oid = file_a(callers, clock)
    clock.day = date(2023, 2, 3)
    early = callers.regulator.post(FINAL, json={"finalized_on": "2023-01-31"})
    assert early.status_code == 409 and "2023-01-31" in early.json["message"]
    future = callers.regulator.post(FINAL, json={"finalized_on": "2023-02-04"})
    assert future.status_code == 409 and "finalized_on" in future.json["errors"]
    open_one = callers.regulator.post(FINAL, json={"finalized_on": "2023-02-01"})
    assert open_one.status_code == 409 and oid in open_one.json["message"]
    assert callers.anonymous.get(FINAL).status_code == 404
    assert callers.reviewer.get(f"/api/v1/objections/{oid}").json["review_due"] == "2023-02-08"
    assert callers.reviewer.get(f"/api/v1/objections/{oid}").json["overdue"] is False
    clock.day = date(2023, 2, 15)  # past review_due (2023-02-08): open and overdue
    assert callers.reviewer.get(f"/api/v1/objections/{oid}").json["overdue"] is True


def test_final_results_frozen_for_ever_and_provisional_until_then(app, callers, year, clock):
    oid = file_a(callers, clock)
    positions = {"opened": callers.anonymous.get(NOTICE).json["position"]}
    positions["filed"] = callers.reviewer.get(f"/api/v1/objections/{oid}").json["position"]
    decided = callers.reviewer.post(f"/api/v1/objections/{oid}/resolution", json={
        "outcome": "dismissed", "reasoning": "no ground", "decided_on": "2023-01-20"})
    positions["decided"] = decided.json["position"]
    standings = callers.anonymous.get("/api/v1/standings/annual",
                                      query_string={"year": 2022}).json
    assert standings["provisional"] is True and standings["basis"] == "current"
    clock.day = date(2023, 2, 1)
    final = callers.regulator.post(FINAL, json={"finalized_on": "2023-02-01"})
    assert final.status_code == 201, final.json
    assert (final.json["year"], final.json["finalized_on"], final.json["agencies"]) == (
        2022, "2023-02-01", 3)
    positions["final"] = final.json["position"]
    assert callers.regulator.post(FINAL, json={"finalized_on": "2023-02-01"}).status_code == 409
    a = evaluation(callers, A)
    assert a["provisional"] is False and a["final"] == a["noticed"]
    # A later fact about 2022 changes the current evaluation only.
    callers.regulator.post(f"/api/v1/deductions/{year['deduction_a']}/withdrawal",
                           json={"reason": "found on time after all"})
    later = evaluation(callers, A)
    assert later["score"] != later["final"]["score"] and later["final"] == a["final"]
    final_rows = callers.anonymous.get("/api/v1/standings/annual", query_string={
        "year": 2022, "basis": "final"}).json
    current_rows = callers.anonymous.get("/api/v1/standings/annual", query_string={
        "year": 2022}).json
    assert final_rows["provisional"] is False and current_rows["provisional"] is False
    score = {r["agency"]: r["score"] for r in final_rows["rows"]}
    assert score[A] == a["final"]["score"] != {
        r["agency"]: r["score"] for r in current_rows["rows"]}[A]
    # Objections after finalizing are refused.
    assert callers.regulator.post(OBJECTIONS, json={
        "grounds": "x", "agency": B, "filed_on": "2023-01-20"}).status_code == 409

    # As-of answers before and after each step.
    def at(path, position, **extra):
        return callers.auditor.get(path, query_string={"as_of_position": position, **extra})
    assert at(NOTICE, positions["opened"] - 1).status_code == 404
    assert at(NOTICE, positions["opened"]).status_code == 200
    assert at(OBJECTIONS, positions["filed"] - 1).json == []
    assert at(OBJECTIONS, positions["filed"]).json[0]["status"] == "open"
    assert at(f"/api/v1/objections/{oid}", positions["decided"]).json["status"] == "dismissed"
    assert at(f"/api/v1/objections/{oid}", positions["decided"] - 1).json["status"] == "open"
    assert at(FINAL, positions["final"] - 1).status_code == 404
    assert at(FINAL, positions["final"]).status_code == 200
    before_final = at(f"/api/v1/agencies/{A}/evaluations/2022", positions["final"] - 1).json
    assert before_final["provisional"] is True and "final" not in before_final
    before_notice = at(f"/api/v1/agencies/{A}/evaluations/2022", positions["opened"] - 1).json
    assert "noticed" not in before_notice
    assert at("/api/v1/standings/annual", positions["final"], year=2022,
              basis="final").json["provisional"] is False
    assert at("/api/v1/standings/annual", positions["final"] - 1, year=2022,
              basis="final").status_code == 404
    assert at("/api/v1/standings/annual", positions["opened"] - 1, year=2022,
              basis="noticed").status_code == 404


def test_every_step_is_in_the_agencys_events(callers, year, clock):
    oid = file_a(callers, clock)
    callers.reviewer.post(f"/api/v1/objections/{oid}/resolution", json={
        "outcome": "dismissed", "reasoning": "no ground", "decided_on": "2023-01-20"})
    clock.day = date(2023, 2, 1)
    callers.regulator.post(FINAL, json={"finalized_on": "2023-02-01"})
    events = callers.auditor.get(f"/api/v1/agencies/{A}/events").json
    names = [e["event"] for e in events]
    assert names[-4:] == ["NoticeOpened", "ObjectionFiled", "ObjectionResolved", "YearFinalized"]
    assert events[-4]["data"]["evaluation"]["agency"] == A  # its own part of the notice
    b_names = [e["event"] for e in callers.auditor.get(f"/api/v1/agencies/{B}/events").json]
    assert "ObjectionFiled" not in b_names and b_names[-2:] == ["NoticeOpened",
                                                                "YearFinalized"]
    d_names = [e["event"] for e in callers.auditor.get(
        f"/api/v1/agencies/{D}/events").json]
    assert "NoticeOpened" not in d_names


def test_a_repeated_notice_with_the_same_idempotency_key_records_nothing_new(callers, year):
    headers = {"Idempotency-Key": "notice-2022"}
    first = callers.regulator.post(NOTICE, json={"opened_on": "2023-01-19"}, headers=headers)
    again = callers.regulator.post(NOTICE, json={"opened_on": "2023-01-19"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json["position"] == first.json["position"]
    assert head(callers.regulator.client.application) == first.json["position"]


def test_a_years_objections_are_paged_with_their_total(callers, year):
    assert callers.regulator.post(NOTICE, json={"opened_on": "2023-01-19"}).status_code == 201
    for code in (A, B, C):
        filed = callers.regulator.post(OBJECTIONS, json={"agency": code, "grounds": "复核"})
        assert filed.status_code == 201, filed.json
    whole = callers.auditor.get(OBJECTIONS)
    assert whole.headers["X-Total-Count"] == "3" and len(whole.json) == 3
    pages = [callers.auditor.get(OBJECTIONS, query_string={"limit": 2, "offset": offset})
             for offset in (0, 2)]
    assert [len(p.json) for p in pages] == [2, 1]
    assert pages[0].json + pages[1].json == whole.json
    assert 'rel="next"' in pages[0].headers["Link"]
    assert pages[1].headers["X-Total-Count"] == "3"
