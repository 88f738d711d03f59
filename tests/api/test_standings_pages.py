"""Standings pages: global ranks on every page, totals, one agency's row, bad paging refused."""

from __future__ import annotations

import json
import random
from datetime import date

import pytest

from ledger.demo.people import credit_code
from tests.api.conftest import Callers, head, principal

MONTH = "2022-03"
# (score in MONTH, deductions as (rule, rectified on time)); scores made so that numeric and
# string order differ (100 > 99 > 98.5 > 98 > 94 > 73), with ties at 100 and at 98.
PLAN = [(100, []), (100, []), (99, [("D01", True)]), (98.5, [("D04", True)]),
        (98, [("D01", False)]), (98, [("D02", False)]), (94, [("D05", False)]),
        (73, [("D18", False), ("D05", False), ("D07", False)])]
EXPECTED_RANKS = [1, 1, 3, 4, 5, 5, 7, 8]


def plain(response) -> dict:
    assert response.status_code == 200, response.get_json()
    return json.loads(response.data)


@pytest.fixture
def ranked(app):
    """Eight agencies ranked in MONTH as PLAN says, one registered after it, one gone before."""
    ledger, li = app.extensions["ledger"].ledger, principal("regulator")
    rng, taken = random.Random(11), set()
    codes = [credit_code(rng, taken) for _ in PLAN]
    for code, (_, deductions) in zip(codes, PLAN):
        ledger.register_agency(li, code, f"代理机构{code[-4:]}", date(2021, 1, 4))
        for rule, rectified in deductions:
            found = date(2022, 3, 7)
            recorded = ledger.record_deduction(li, code, rule, found, "found in inspection")
            if rectified:
                ledger.record_rectification(li, recorded.id, date(2022, 3, 9))
    later, gone = credit_code(rng, taken), credit_code(rng, taken)
    ledger.register_agency(li, later, "后来的机构", date(2022, 4, 1))
    ledger.register_agency(li, gone, "注销的机构", date(2021, 1, 4))
    ledger.deregister_agency(li, gone, date(2022, 2, 28))
    app.extensions["ledger"].read_side.wait_for(head(app))
    order = sorted(zip(codes, PLAN), key=lambda p: (-p[1][0], p[0]))
    return Callers(app), [code for code, _ in order], later


def test_the_whole_list_without_paging_parameters(ranked):
    callers, order, _ = ranked
    body = plain(callers.anonymous.get(f"/api/v1/standings?month={MONTH}"))
    assert [r["agency"] for r in body["rows"]] == order
    assert [r["rank"] for r in body["rows"]] == EXPECTED_RANKS
    assert [r["score"] for r in body["rows"]] == [p[0] for p in sorted(PLAN, key=lambda p: -p[0])]
    assert (body["total"], body["limit"], body["offset"]) == (8, None, 0)


@pytest.mark.parametrize("limit", [1, 2, 3, 5])
def test_pages_put_together_are_the_whole_list_with_global_ranks(ranked, limit):
    callers, order, _ = ranked
    whole = plain(callers.anonymous.get(f"/api/v1/standings?month={MONTH}"))["rows"]
    rows = []
    for offset in range(0, 8, limit):
        body = plain(callers.anonymous.get(
            f"/api/v1/standings?month={MONTH}&limit={limit}&offset={offset}"))
        assert (body["total"], body["limit"], body["offset"]) == (8, limit, offset)
        assert len(body["rows"]) == min(limit, 8 - offset)
        rows += body["rows"]
    assert rows == whole


def test_a_page_that_begins_inside_a_tie_keeps_the_tie_rank(ranked):
    callers, order, _ = ranked
    body = plain(callers.anonymous.get(f"/api/v1/standings?month={MONTH}&limit=2&offset=5"))
    assert [(r["agency"], r["rank"]) for r in body["rows"]] == [(order[5], 5), (order[6], 7)]
    body = plain(callers.anonymous.get(f"/api/v1/standings?month={MONTH}&limit=1&offset=1"))
    assert [(r["agency"], r["rank"]) for r in body["rows"]] == [(order[1], 1)]


def test_an_offset_past_the_end_gives_no_rows_and_the_total(ranked):
    callers, _, _ = ranked
    body = plain(callers.anonymous.get(f"/api/v1/standings?month={MONTH}&limit=5&offset=8"))
    assert (body["rows"], body["total"]) == ([], 8)
    body = plain(callers.anonymous.get(f"/api/v1/standings?month={MONTH}&offset=6"))
    assert [r["rank"] for r in body["rows"]] == [7, 8]


def test_one_agency_row_has_its_global_rank_and_an_unranked_one_has_none(ranked):
    callers, order, later = ranked
    body = plain(callers.anonymous.get(f"/api/v1/standings?month={MONTH}&agency={order[5]}"))
    assert [(r["agency"], r["rank"], r["score"]) for r in body["rows"]] == [(order[5], 5, 98)]
    assert body["total"] == 8
    body = plain(callers.anonymous.get(f"/api/v1/standings?month={MONTH}&agency={later}"))
    assert (body["rows"], body["total"]) == ([], 8)
    body = plain(callers.anonymous.get(f"/api/v1/standings?month=2022-04&agency={later}"))
    assert [(r["rank"], r["score"]) for r in body["rows"]] == [(1, 100)]


def test_published_pages_keep_the_published_figures_while_current_pages_move(ranked, app):
    callers, order, _ = ranked
    assert callers.regulator.post(f"/api/v1/months/{MONTH}/publication",
                                  json={"published_on": "2022-04-06"}).status_code == 201
    deduction = app.extensions["ledger"].ledger.record_deduction(
        principal("regulator"), order[0], "D18", date(2022, 3, 20), "red line")
    app.extensions["ledger"].read_side.wait_for(deduction.position)
    published = plain(callers.anonymous.get(
        f"/api/v1/standings?month={MONTH}&basis=published&limit=3&offset=0"))
    assert [(r["agency"], r["rank"]) for r in published["rows"]] == [
        (order[0], 1), (order[1], 1), (order[2], 3)]
    assert (published["revision"], published["total"], published["limit"]) == (1, 8, 3)
    current = plain(callers.anonymous.get(f"/api/v1/standings?month={MONTH}&limit=3"))
    assert [(r["agency"], r["rank"]) for r in current["rows"]] == [
        (order[1], 1), (order[2], 2), (order[3], 3)]
    moved = plain(callers.anonymous.get(f"/api/v1/standings?month={MONTH}&agency={order[0]}"))
    assert [(r["rank"], r["score"]) for r in moved["rows"]] == [(7, 85)]  # above the 73
    one = plain(callers.anonymous.get(
        f"/api/v1/standings?month={MONTH}&basis=published&agency={order[0]}"))
    assert [(r["rank"], r["score"]) for r in one["rows"]] == [(1, 100)]


def test_as_of_and_annual_standings_page_the_same_way(ranked, app):
    callers, order, _ = ranked
    at = head(app)
    app.extensions["ledger"].ledger.record_deduction(
        principal("regulator"), order[0], "D18", date(2022, 3, 20), "red line")
    then = f"/api/v1/standings?month={MONTH}&as_of_position={at}"
    whole = plain(callers.anonymous.get(then))
    page = plain(callers.anonymous.get(then + "&limit=3&offset=4"))
    assert page["rows"] == whole["rows"][4:7] and page["total"] == whole["total"] == 8
    assert [r["agency"] for r in whole["rows"]] == order
    annual = plain(callers.anonymous.get("/api/v1/standings/annual?year=2022"))
    page = plain(callers.anonymous.get("/api/v1/standings/annual?year=2022&limit=2&offset=1"))
    assert page["rows"] == annual["rows"][1:3] and page["total"] == annual["total"] == 10
    mine = plain(callers.anonymous.get(f"/api/v1/standings/annual?year=2022&agency={order[7]}"))
    assert mine["rows"] == [r for r in annual["rows"] if r["agency"] == order[7]]
    with_page = plain(callers.anonymous.get(
        f"/api/v1/standings/annual?year=2022&agency={order[7]}&limit=1&offset=5"))
    assert with_page["rows"] == mine["rows"]  # agency picks the row; the page is ignored


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=ten", "limit"),
    ("limit=2.5", "limit"), ("offset=-1", "offset"), ("offset=x", "offset"),
    ("agency=91341800H9EH9J1GRX", "agency"),
])
def test_bad_paging_parameters_are_refused_naming_the_field(sqlite_callers, query, field):
    for path in (f"/api/v1/standings?month={MONTH}&", "/api/v1/standings/annual?year=2022&"):
        response = sqlite_callers.anonymous.get(path + query)
        body = response.get_json()
        assert response.status_code == 422 and list(body["errors"]) == [field], body
