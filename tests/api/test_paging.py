"""Every list route answers pages: ?limit&offset, X-Total-Count and Link headers, the list
itself still a JSON array, in a stable order (log position) that pages neither skip nor repeat."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.api.paging import DEFAULT_LIMIT, MAX_LIMIT
from tests.api.conftest import A, head, principal

ROUTES = {"events": f"/api/v1/agencies/{A}/events",
          "deductions": f"/api/v1/agencies/{A}/deductions",
          "disputes": "/api/v1/disputes"}


@pytest.fixture
def many(app):
    """Agency A with 105 deductions, each disputed: over a default page of each list."""
    ledger = app.extensions["ledger"].ledger
    li = principal("regulator")
    ledger.register_agency(li, A, "宣城敬亭招标代理有限公司", date(2019, 5, 10))
    with ledger.batch():
        for n in range(105):
            found = date(2022, 3, 1 + n % 20)
            deduction = ledger.record_deduction(li, A, "D01", found, f"r{n}")
            # a paper submission: only a regulator may date a filing in the past
            ledger.file_dispute(li, deduction.id, f"grounds {n}", found)
    app.extensions["ledger"].read_side.wait_for(head(app))
    return {"events": 211, "deductions": 105, "disputes": 105}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_list_route_pages_in_a_stable_order_with_its_total(callers, many, route):
    path = ROUTES[route]
    first = callers.auditor.get(path)
    assert first.status_code == 200 and isinstance(first.get_json(), list)
    assert len(first.get_json()) == DEFAULT_LIMIT
    assert first.headers["X-Total-Count"] == str(many[route])
    assert f'<{path}?limit={DEFAULT_LIMIT}&offset={DEFAULT_LIMIT}>; rel="next"' \
        in first.headers["Link"]
    assert 'rel="prev"' not in first.headers["Link"]

    collected = []
    for offset in range(0, many[route], 40):
        response = callers.auditor.get(f"{path}?limit=40&offset={offset}")
        collected += response.get_json()
    everything = callers.auditor.get(f"{path}?limit={MAX_LIMIT}").get_json()
    assert len(everything) == many[route] and collected == everything
    if route != "disputes":  # a dispute does not show its position; its id is unique
        positions = [item["position"] for item in everything]
        assert positions == sorted(positions)
    assert len({item["id"] if route != "events" else item["position"]
                for item in everything}) == many[route]

    last = callers.auditor.get(f"{path}?limit=40&offset=80")
    assert 'rel="prev"' in last.headers["Link"] and "offset=40>" in last.headers["Link"]
    beyond = callers.auditor.get(f"{path}?offset={many[route]}")
    assert beyond.get_json() == [] and beyond.headers["X-Total-Count"] == str(many[route])


@pytest.mark.parametrize("query", [f"limit={MAX_LIMIT + 1}", "limit=0", "offset=-1",
                                   "limit=ten"])
def test_a_page_outside_the_bounds_is_refused_naming_the_field(sqlite_callers, query):
    response = sqlite_callers.auditor.get(f"/api/v1/disputes?{query}")
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {query.split("=")[0]}


def test_filters_stay_in_the_page_links(sqlite_callers, world):
    response = sqlite_callers.auditor.get("/api/v1/disputes?status=open&limit=1")
    assert response.headers["X-Total-Count"] == "1"
    assert '</api/v1/disputes?status=open&limit=1&offset=0>; rel="first"' \
        in response.headers["Link"]
