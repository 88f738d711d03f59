"""An agency's own dispute is dated today by the ledger: the issue's back-dating attack over HTTP."""

from __future__ import annotations

from tests.api.conftest import A, head


def deduction(callers, found_on: str) -> str:
    callers.regulator.post("/api/v1/agencies", json={
        "credit_code": A, "name": "宣城敬亭招标代理有限公司", "registered_on": "2019-05-10"})
    response = callers.regulator.post(f"/api/v1/agencies/{A}/deductions", json={
        "rule_code": "D01", "found_on": found_on, "reason": "notice late"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_an_agency_refused_after_its_window_cannot_resend_with_an_earlier_filed_on(app,
                                                                                     callers):
    ded = deduction(callers, "2022-01-10")
    before = head(app)
    closed = callers.agency_a.post(f"/api/v1/deductions/{ded}/disputes",
                                   json={"grounds": "we published on time"})
    backdated = callers.agency_a.post(f"/api/v1/deductions/{ded}/disputes",
                                      json={"grounds": "we published on time",
                                            "filed_on": "2022-01-12"})
    assert closed.status_code == 409 and "closed on 2022-01-17" in closed.get_json()["message"]
    assert backdated.status_code == 422
    assert list(backdated.get_json()["errors"]) == ["filed_on"]
    assert head(app) == before


def test_a_regulator_enters_the_agencys_paper_submission_with_its_earlier_date(app, callers):
    ded = deduction(callers, "2022-01-10")
    response = callers.regulator.post(f"/api/v1/deductions/{ded}/disputes",
                                      json={"grounds": "received by post", "filed_on": "2022-01-12"})
    assert response.status_code == 201
    assert response.get_json()["filed_on"] == "2022-01-12"


def test_an_agencys_own_filing_is_dated_today(app, callers):
    today = app.config["TODAY"]()
    ded = deduction(callers, today.isoformat())
    response = callers.agency_a.post(f"/api/v1/deductions/{ded}/disputes",
                                     json={"grounds": "on time"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["filed_on"] == today.isoformat()
