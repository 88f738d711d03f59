"""Pages of the inspection plan: public plan, draw with preview, inspection form, queue, exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from ledger.api import create_app
from ledger.domain.credit_code import check_character
from ledger.domain.principals import Principal

TODAY = date(2026, 6, 30)
LI = Principal("li.regulator", "regulator")


def code(n: int) -> str:
    first = f"91341800{n:09d}"
    return first + check_character(first)


NEW, OLD = code(1), code(2)


def make(url: str, today: date = TODAY):
    return create_app({"TESTING": True, "DATABASE_URL": url, "WEB_PLAIN_HTTP": True,
                       "SECRET_KEY": "test", "TODAY": lambda: today})


@pytest.fixture
def app(database_url):
    app = make(database_url)
    ledger = app.extensions["ledger"].ledger
    ledger.register_agency(LI, NEW, "新设代理机构", date(2025, 9, 1))
    ledger.register_agency(LI, OLD, "老代理机构", date(2020, 1, 1))
    yield app
    app.extensions["ledger"].close()


def client_as(app, role: str | None):
    client = app.test_client()
    if role:
        token = app.extensions["ledger"].tokens.create(role, f"someone.{role}", None)
        from tests.web.conftest import csrf_token
        assert client.post("/sign-in", data={"token": token, "next": "/",
                                             "csrf_token": csrf_token(client)}).status_code == 303
    return client


def csrf(page: bytes) -> str:
    return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()


def head(app) -> int:
    return app.extensions["ledger"].ledger.recorder.max_notification_id() or 0


DRAW = {"year": "2026", "drawn_on": "2026-05-20", "ratio": "0.5", "team_size": "2",
        "seed_text": "体彩 26055 期", "inspectors": f"张伟：{NEW}\n李娜\n王芳"}


def draw(client, **changes) -> tuple[int, str]:
    token = csrf(client.get("/inspection-plans/draw").data)
    response = client.post("/inspection-plans/draw", data={**DRAW, **changes,
                                                           "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def test_the_preview_shows_candidates_and_the_mandatory_list_and_records_nothing(app):
    regulator = client_as(app, "regulator")
    before = head(app)
    status, page = draw(regulator, preview="预览")
    assert status == 200
    assert "重点检查：新设立机构" in page and NEW in page and "新设代理机构" in page
    assert 'id="preview-ranking"' in page and "确认抽取并公开" in page
    assert head(app) == before


def test_confirming_records_the_plan_and_the_public_page_shows_who_why_team_status(app):
    regulator = client_as(app, "regulator")
    status, _ = draw(regulator, confirm="确认抽取并公开")
    assert status == 303
    page = client_as(app, None).get("/inspection-plans/2026").get_data(as_text=True)
    assert "重点检查：新设立机构" in page and "随机抽取" in page and "待检查" in page
    plan = app.extensions["ledger"].read_side.inspection_plan(2026)
    for selected in plan["selected"]:
        assert "、".join(selected["team"]) in page
    assert plan["seed"] in page


def test_a_refused_draw_shows_the_message_next_to_the_field_and_records_nothing(app):
    regulator = client_as(app, "regulator")
    before = head(app)
    for ratio in ("0", "NaN", "1e-999999999"):
        status, page = draw(regulator, ratio=ratio, preview="预览")
        assert status == 422 and ("比例须大于 0 且不大于 1" in page or "decimal places" in page)
    assert 'value="体彩 26055 期"' in page  # refilled
    status, page = draw(regulator, year="2025", confirm="确认抽取并公开")
    assert status == 422 and "must be the current year (2026)" in page
    assert head(app) == before


def test_only_a_regulator_sees_the_draw_form(app):
    assert client_as(app, "reviewer").get("/inspection-plans/draw").status_code == 403
    assert client_as(app, None).get("/inspection-plans/draw").status_code == 401


def test_an_inspection_recorded_through_the_form_shows_on_the_plan(app):
    regulator = client_as(app, "regulator")
    draw(regulator, confirm="确认抽取并公开")
    team = {s["agency"]: s["team"] for s in
            app.extensions["ledger"].read_side.inspection_plan(2026)["selected"]}
    form_page = regulator.get(f"/inspection-plans/2026/inspections/new?agency={NEW}").data
    data = {"csrf_token": csrf(form_page), "agency": NEW, "inspected_on": "2026-06-02",
            "inspectors": "外人", "summary": "未发现问题"}
    refused = regulator.post("/inspection-plans/2026/inspections/new", data=data)
    assert refused.status_code == 422 and "must be the team" in refused.get_data(as_text=True)
    data["inspectors"] = "，".join(team[NEW])
    assert regulator.post("/inspection-plans/2026/inspections/new",
                          data=data).status_code == 303
    page = client_as(app, None).get("/inspection-plans/2026").get_data(as_text=True)
    assert "已检查" in page and "2026-06-02" in page


def test_the_queue_lists_planned_and_after_the_year_overdue_inspections(app, database_url):
    draw(client_as(app, "regulator"), confirm="确认抽取并公开")
    page = client_as(app, "auditor").get("/inspection-plans/2026/queue").get_data(as_text=True)
    assert NEW in page and "待检查" in page
    later = make(database_url, date(2027, 1, 5))
    try:
        page = client_as(later, "auditor").get("/inspection-plans/2026/queue").get_data(
            as_text=True)
    finally:
        later.extensions["ledger"].close()
    assert "逾期未检查" in page and NEW in page


def test_the_plan_exports_with_chinese_headers(app):
    draw(client_as(app, "regulator"), confirm="确认抽取并公开")
    public = client_as(app, None)
    text = public.get("/exports/inspection-plan-2026.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["统一社会信用代码", "机构名称", "抽取理由", "检查组", "状态"]
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code[NEW][2] == "重点检查（新设立机构）" and by_code[NEW][4] == "待检查"
    book = load_workbook(io.BytesIO(public.get("/exports/inspection-plan-2026.xlsx").data))
    sheet = book.active
    assert sheet.title == "2026 年度监督检查计划"
    assert sheet.max_row == len(rows)


def test_a_year_without_a_plan_says_so(app):
    response = client_as(app, None).get("/inspection-plans/2026")
    assert response.status_code == 404 and "尚未抽取" in response.get_data(as_text=True)


def test_a_date_the_form_cannot_read_is_refused_in_chinese(app):
    status, page = draw(client_as(app, "regulator"), drawn_on="2026-13-01", preview="预览")
    assert status == 422 and "不是有效的日期" in page


def test_the_bureau_queues_link_to_this_years_inspection_queue(app):
    draw(client_as(app, "regulator"), confirm="确认抽取并公开")
    auditor = client_as(app, "auditor")
    assert 'id="inspection-queue-link"' in auditor.get("/bureau").get_data(as_text=True)
    response = auditor.get("/inspection-plans/queue", follow_redirects=True)
    assert response.status_code == 200 and NEW in response.get_data(as_text=True)
