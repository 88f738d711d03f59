"""Working-day calendars over HTTP: the shipped ones, a regulator's publication, and deadlines
computed after a publication using it while deadlines already fixed keep theirs."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.api import create_app
from tests.api.conftest import A, Callers, head

NATIONAL_DAY_2026 = {
    "year": 2026, "source": "国办发明电（测试）",
    "holidays": ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07",
                 "2026-10-08", "2026-10-09"],
    "makeup_days": ["2026-09-27"],
}


def register(callers) -> None:
    response = callers.regulator.post("/api/v1/agencies", json={
        "credit_code": A, "name": "宣城敬亭招标代理有限公司", "registered_on": "2019-05-10"})
    assert response.status_code == 201, response.get_json()


def deduct(callers, notified_on: str = "2026-09-30") -> dict:
    response = callers.regulator.post(f"/api/v1/agencies/{A}/deductions", json={
        "rule_code": "D01", "found_on": notified_on, "notified_on": notified_on,
        "reason": "notice late"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_shipped_2026_calendar_is_public(callers):
    body = callers.anonymous.get("/api/v1/calendars/2026").get_json()
    assert (body["year"], body["origin"], body["position"]) == (2026, "shipped", None)
    assert body["calendar"] == "shipped:2026"
    assert "2026-10-01" in body["holidays"] and "2026-02-23" in body["holidays"]
    assert body["makeup_days"] == ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09",
                                   "2026-09-20", "2026-10-10"]
    assert len(body["holidays"]) == 3 + 9 + 3 + 5 + 3 + 3 + 7


def test_a_year_without_a_calendar_is_404_saying_weekdays_only(callers):
    response = callers.anonymous.get("/api/v1/calendars/2031")
    assert response.status_code == 404
    assert "weekdays-only" in response.get_json()["message"]


def test_the_issues_national_day_deduction_gets_a_due_date_after_the_holiday_week(callers):
    register(callers)
    body = deduct(callers)
    # Oct 1-7 are off, Sat Oct 10 is worked: the 10th working day after Sep 30 is Oct 20.
    assert body["rectification_due"] == "2026-10-20"
    assert body["dispute_deadline"] == "2026-10-13"
    assert body["calendar"] == "shipped:2026"


def test_a_published_calendar_changes_later_deadlines_only(app, callers):
    register(callers)
    before = deduct(callers)
    published = callers.regulator.post("/api/v1/calendars", json=NATIONAL_DAY_2026)
    assert published.status_code == 201, published.get_json()
    first = published.get_json()
    assert first["position"] == head(app) and first["origin"] == "published"
    assert first["calendar"] == f"published@{first['position']}"
    assert {"year", "holidays", "makeup_days", "source", "origin", "position",
            "recorded_at"} <= set(first)
    after = deduct(callers)
    # Oct 1-9 off, no make-up Saturday: Oct 12-16, 19-23 -> the 10th is Oct 23.
    assert (after["rectification_due"], after["calendar"]) == (
        "2026-10-23", f"published@{first['position']}")
    kept = callers.regulator.get(f"/api/v1/agencies/{A}/deductions").get_json()
    by_id = {d["id"]: d for d in kept}
    assert by_id[before["id"]]["rectification_due"] == "2026-10-20"
    assert by_id[before["id"]]["calendar"] == "shipped:2026"

    # A later publication for the same year supersedes the first for what follows.
    again = callers.regulator.post("/api/v1/calendars", json={
        **NATIONAL_DAY_2026, "holidays": ["2026-10-01"], "makeup_days": []}).get_json()
    latest = deduct(callers)
    assert (latest["rectification_due"], latest["calendar"]) == (
        "2026-10-15", f"published@{again['position']}")
    in_use = callers.anonymous.get("/api/v1/calendars/2026").get_json()
    assert (in_use["position"], in_use["holidays"]) == (again["position"], ["2026-10-01"])
    as_of = callers.anonymous.get(
        f"/api/v1/calendars/2026?as_of_position={first['position']}").get_json()
    assert as_of["position"] == first["position"]
    shipped = callers.anonymous.get(
        f"/api/v1/calendars/2026?as_of_position={first['position'] - 1}").get_json()
    assert shipped["origin"] == "shipped"


def test_a_dispute_says_which_calendar_fixed_its_review_due(app, callers):
    register(callers)
    ded = deduct(callers, "2026-09-28")
    filed = callers.regulator.post(f"/api/v1/deductions/{ded['id']}/disputes",
                                   json={"grounds": "posted", "filed_on": "2026-09-30"})
    assert filed.status_code == 201, filed.get_json()
    body = filed.get_json()
    assert (body["review_due"], body["calendar"]) == ("2026-10-20", "shipped:2026")


@pytest.mark.parametrize("change, field, status", [
    # what the description states: invalid input
    ({"holidays": ["2026-10-01", "2026-10-01"]}, "holidays", 422),
    ({"holidays": []}, "holidays", 422),
    ({"source": "   "}, "source", 422),
    ({"source": ""}, "source", 422),
    ({"holidays": ["2026-13-01"]}, "holidays", 422),
    ({"year": 1999}, "year", 422),
    # well formed, but in conflict with the year or today's date
    ({"holidays": ["2025-12-31"]}, "holidays", 409),
    ({"makeup_days": ["2026-10-12"]}, "makeup_days", 409),  # a Monday
    ({"makeup_days": ["2027-01-02"]}, "makeup_days", 409),
    ({"holidays": ["2026-10-03"], "makeup_days": ["2026-10-03"]}, "holidays", 409),
    ({"year": 2031}, "year", 409),
])
def test_an_unusable_calendar_is_refused_naming_the_field_and_nothing_is_recorded(
        app, callers, change, field, status):
    before = head(app)
    response = callers.regulator.post("/api/v1/calendars", json={**NATIONAL_DAY_2026, **change})
    assert response.status_code == status, response.get_json()
    assert list(response.get_json()["errors"]) == [field]
    assert head(app) == before


@pytest.mark.parametrize("who, status", [("anonymous", 401), ("agency_a", 403),
                                         ("reviewer", 403), ("auditor", 403)])
def test_only_a_regulator_publishes_a_calendar(app, callers, who, status):
    before = head(app)
    assert callers[who].post("/api/v1/calendars", json=NATIONAL_DAY_2026).status_code == status
    assert head(app) == before


def test_a_deadline_in_a_year_without_a_calendar_says_weekdays_only(database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url,
                      "TODAY": lambda: date(2031, 1, 6)})
    try:
        callers = Callers(app)
        register(callers)
        body = deduct(callers, "2030-12-31")
        # 2031-01-01 (New Year's Day) counts as a working day: nothing says it is off.
        assert (body["dispute_deadline"], body["calendar"]) == ("2031-01-07", "weekdays-only")
    finally:
        app.extensions["ledger"].close()
