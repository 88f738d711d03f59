"""The home page per role, the agency directory and the deduction page, through the test client."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from ledger.domain.principals import Principal
from tests.web.conftest import A, B, C, populate, signed_in

REGULATOR = Principal("li.regulator", "regulator")
WEDNESDAY = date(2026, 12, 2)


@pytest.fixture
def wednesday_app(tmp_path, scenario):
    """The worked example in an app whose today is Wednesday 2026-12-02."""
    from ledger.api import create_app
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite3'}",
                      "WEB_PLAIN_HTTP": True, "SECRET_KEY": "test", "TODAY": lambda: WEDNESDAY})
    populate(app, scenario)
    yield app
    app.extensions["ledger"].close()


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_directory_finds_agencies_by_name_or_credit_code(web_app):
    client = signed_in(web_app, "auditor")
    by_name = text(client.get("/agencies?q=敬亭"))
    assert A in by_name and B not in by_name and C not in by_name
    by_code = text(client.get(f"/agencies?q={B[-6:].lower()}"))
    assert B in by_code and A not in by_code


def test_an_agency_sees_the_directory_but_links_only_to_itself(web_app):
    page = text(signed_in(web_app, "agency_a").get("/agencies"))
    assert B in page and f'href="/agencies/{A}"' in page and f'href="/agencies/{B}"' not in page


def test_the_regulators_home_lists_rectifications_due_this_week_and_months_to_publish(
        wednesday_app):
    from ledger.domain.calendar import working_days_after
    web_app = wednesday_app
    services = web_app.extensions["ledger"]
    today = services.ledger.today()
    sunday = today + timedelta(days=6 - today.weekday())
    # a notification whose 10 working days end this week (today to Sunday)
    found = next(today - timedelta(days=k) for k in range(40)
                 if today <= working_days_after(today - timedelta(days=k), 10) <= sunday)
    later = next(today - timedelta(days=k) for k in range(40)
                 if working_days_after(today - timedelta(days=k), 10) > sunday)
    due = services.ledger.record_deduction(REGULATOR, A, "D01", found, "公告逾期")
    not_yet = services.ledger.record_deduction(REGULATOR, B, "D01", later, "公告逾期")
    services.read_side.wait_for(not_yet.position)
    page = text(signed_in(web_app, "regulator").get("/today"))
    week = page.split('id="due-week"')[1].split("</table>")[0]
    assert due.id in week and not_yet.id not in week
    months = re.findall(r'/work/months/publish\?month=(\d{4}-\d{2})', page)
    assert "2022-01" not in months  # published in the worked example
    assert months and all(m < f"{today.year:04d}-{today.month:02d}" for m in months)
    assert 'href="/work/deductions/new"' in page  # the forms are listed


def test_the_agencys_home_offers_only_deductions_still_open_to_dispute(web_app):
    services = web_app.extensions["ledger"]
    today = services.ledger.today()
    fresh = services.ledger.record_deduction(REGULATOR, A, "D01", today, "公告逾期")
    services.read_side.wait_for(fresh.position)
    page = text(signed_in(web_app, "agency_a").get("/today"))
    offered = page.split('id="disputable"')[1].split("</table>")[0]
    assert fresh.id in offered and offered.count("/deductions/") == 1
    deduction = text(signed_in(web_app, "agency_a").get(f"/deductions/{fresh.id}"))
    assert 'id="grounds"' in deduction and 'name="filed_on"' not in deduction


def test_an_agency_cannot_open_another_agencys_deduction(web_app):
    other = web_app.extensions["ledger"].read_side.deductions(B)[0]["id"]
    response = signed_in(web_app, "agency_a").get(f"/deductions/{other}")
    assert response.status_code == 403 and "无权" in text(response)


def test_a_regulator_may_file_a_paper_dispute_with_an_earlier_date(web_app):
    services = web_app.extensions["ledger"]
    today = services.ledger.today()
    fresh = services.ledger.record_deduction(REGULATOR, A, "D01", today, "公告逾期")
    services.read_side.wait_for(fresh.position)
    page = text(signed_in(web_app, "regulator").get(f"/deductions/{fresh.id}"))
    assert 'name="filed_on"' in page and 'name="grounds"' in page


@pytest.mark.parametrize("who, offered, not_offered", [
    ("regulator", ["/calendars", "/notice", "/objections", "/inspection-plans/draw",
                   "/inspection-plans/queue"], []),
    ("agency_a", ["/notice"], ["/objections", "/inspection-plans/draw"]),
    ("reviewer", ["/notice", "/objections", "/inspection-plans/queue"],
     ["/inspection-plans/draw"]),  # (the calendar itself is public, in the menu)
])
def test_the_home_page_offers_the_years_work_to_the_roles_that_do_it(web_app, who, offered,
                                                                     not_offered):
    page = text(signed_in(web_app, who).get("/today"))
    links = set(re.findall(r'href="([^"]+)"', page))
    assert set(offered) <= links, links
    assert not set(not_offered) & links


def test_the_notice_link_opens_last_years_notice(web_app):
    answer = signed_in(web_app, "regulator").get("/notice")
    last_year = web_app.extensions["ledger"].ledger.today().year - 1
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/years/{last_year}/notice")
