"""The calendar page: a year's calendar for anyone, a publication form for regulators (Flask-WTF),
and deadlines on the pages saying which calendar counted them."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ledger.api import create_app
from ledger.domain.principals import Principal
from tests.web.conftest import A, csrf_token, signed_in


@pytest.fixture
def app(database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "WEB_PLAIN_HTTP": True,
                      "SECRET_KEY": "test", "TODAY": lambda: date(2026, 12, 2)})
    yield app
    app.extensions["ledger"].close()


def head(app) -> int:
    return app.extensions["ledger"].ledger.recorder.max_notification_id() or 0


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    return found.group(1)


def form_post(client, year: int, **fields):
    page = client.get(f"/calendars/{year}").get_data(as_text=True)
    data = {"csrf_token": csrf(page), "year": str(year), "holidays": "2026-10-01..2026-10-07",
            "makeup_days": "2026-10-10", "source": "国办发明电", **fields}
    return client.post(f"/calendars/{year}", data=data)


def test_anyone_sees_the_shipped_calendar_of_a_year_without_a_form(app):
    page = app.test_client().get("/calendars/2026").get_data(as_text=True)
    assert "2026年工作日历" in page and "随系统提供" in page
    assert "2026-10-01..2026-10-07" in page and "2026-02-15..2026-02-23" in page
    assert "2026-10-10" in page and "<form method=\"post\" class=\"stack\"" not in page


def test_a_year_without_a_calendar_says_deadlines_count_weekdays_only(app):
    page = app.test_client().get("/calendars/2031").get_data(as_text=True)
    assert 'id="weekdays-only"' in page and "只按周一至周五计算" in page


def test_an_unusable_year_in_the_path_is_422_not_500(app):
    assert app.test_client().get("/calendars/99999").status_code == 422


def test_a_regulator_publishes_through_the_form_and_sees_it_in_use(app):
    client = signed_in(app, "regulator")
    response = form_post(client, 2026)
    assert response.status_code == 302, response.get_data(as_text=True)
    position = head(app)
    assert f"published={position}" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"published@{position}" in page and "监管人员发布" in page
    assert app.extensions["ledger"].ledger.calendar_in_use(2026).position == position


def test_a_refused_publication_shows_the_reason_beside_the_field_and_keeps_the_input(app):
    client = signed_in(app, "regulator")
    response = form_post(client, 2026, makeup_days="2026-10-12", source="通知 X")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and head(app) == 0
    error = page.split('id="makeup_days-error"')[1].split("</p>")[0]
    assert "2026-10-12" in error
    assert "通知 X" in page and "2026-10-01..2026-10-07" in page  # refilled


def test_an_unreadable_day_is_refused_in_chinese_beside_the_field(app):
    client = signed_in(app, "regulator")
    response = form_post(client, 2026, holidays="10月1日")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and head(app) == 0
    assert "无法识别的日期：10月1日" in page.split('id="holidays-error"')[1]


def test_a_post_without_the_csrf_token_records_nothing(app):
    client = signed_in(app, "regulator")
    response = client.post("/calendars/2026", data={
        "year": "2026", "holidays": "2026-10-01", "makeup_days": "", "source": "x"})
    assert response.status_code == 400 and head(app) == 0  # refused by the CSRF check


@pytest.mark.parametrize("who, status", [("reviewer", 403), ("agency_a", 403)])
def test_only_a_regulator_may_post_the_form(app, who, status):
    client = signed_in(app, who)
    response = client.post("/calendars/2026", data={
        "year": "2026", "csrf_token": csrf_token(client, "/calendars/2026")})
    assert response.status_code == status and head(app) == 0


def test_agency_page_shows_titles_beside_codes_and_the_calendar_of_each_deadline(app):
    ledger = app.extensions["ledger"].ledger
    regulator = Principal("li.regulator", "regulator")
    ledger.register_agency(regulator, A, "宣城敬亭招标代理有限公司", date(2019, 5, 10))
    ledger.record_deduction(regulator, A, "D05", date(2026, 9, 30), "品牌指向")
    app.extensions["ledger"].read_side.wait_for(head(app))
    page = signed_in(app, "auditor").get(f"/agencies/{A}?year=2026").get_data(as_text=True)
    assert "D05 设置差别歧视性条款" in page
    assert "2026年内置日历" in page and 'title="按此日历计算: shipped:2026"' in page


def test_a_weekdays_only_deadline_is_marked_on_the_page(database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "WEB_PLAIN_HTTP": True,
                      "SECRET_KEY": "test", "TODAY": lambda: date(2031, 1, 6)})
    try:
        ledger = app.extensions["ledger"].ledger
        regulator = Principal("li.regulator", "regulator")
        ledger.register_agency(regulator, A, "宣城敬亭招标代理有限公司", date(2019, 5, 10))
        ledger.record_deduction(regulator, A, "D01", date(2030, 12, 31), "公告逾期")
        app.extensions["ledger"].read_side.wait_for(head(app))
        page = signed_in(app, "auditor").get(f"/agencies/{A}?year=2030").get_data(as_text=True)
        assert "calendar-weekdays-only" in page and "仅按周一至周五计算" in page
        queues = signed_in(app, "auditor").get("/bureau").get_data(as_text=True)
        assert "仅按周一至周五计算" in queues and "D01 采购公告未按规定发布" in queues
    finally:
        app.extensions["ledger"].close()
