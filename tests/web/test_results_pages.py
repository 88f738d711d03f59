"""A year's results pages and downloads, on both backends: the public notice with its
period, an agency's objection form only inside its window, the reviewers' queue and decision
form, the regulators' open/finalize actions with what is missing, final results, the annual
standings by basis with 暂定 on every provisional figure, CSV/XLSX with Chinese headers."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from tests.api.conftest import principal
from tests.clock import Clock
from tests.web.conftest import A, B, ROLES, year_2022_app

TOKEN = re.compile(r'name="(?:[\w-]+-)?csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def app(database_url, clock):
    app = year_2022_app(database_url, clock)
    yield app
    app.extensions["ledger"].close()


def client_as(app, who):
    role, name, agency = ROLES.get(who) or ("reviewer", who, None)
    token = app.extensions["ledger"].tokens.create(role, name, agency)
    client = app.test_client()
    from tests.web.conftest import csrf_token
    assert client.post("/sign-in", data={"token": token, "next": "/",
                                         "csrf_token": csrf_token(client)}).status_code == 303
    return client


def submit(client, page, action, data):
    """Post a form as a browser would: with the CSRF token the page gave."""
    html = client.get(page).get_data(as_text=True)
    found = TOKEN.search(html)
    assert found, html
    prefix = ""
    for key in data:
        if "-" in key:
            prefix = key.split("-")[0] + "-"
    return client.post(action, data={f"{prefix}csrf_token": found.group(1), **data})


def open_notice(app):
    regulator = client_as(app, "regulator")
    response = submit(regulator, "/years/2022/notice", "/years/2022/notice",
                      {"opened_on": "2023-01-19"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return regulator


def test_the_public_notice_shows_each_agencys_result_and_the_period(app):
    assert "尚未公示" in app.test_client().get("/years/2022/notice").get_data(as_text=True)
    open_notice(app)
    html = app.test_client().get("/years/2022/notice").get_data(as_text=True)
    assert "公示期至 2023-01-31" in html
    assert "宣城敬亭招标代理有限公司" in html and "皖南宛陵项目管理有限公司" in html
    assert html.count("（暂定）") == 4  # score and grade of both agencies


def test_the_objection_form_is_offered_to_the_agency_only_inside_its_window(app, clock):
    open_notice(app)
    agency = client_as(app, "agency_a")
    assert 'id="objection-form"' in agency.get("/years/2022/notice").get_data(as_text=True)
    assert 'id="objection-form"' not in app.test_client().get(
        "/years/2022/notice").get_data(as_text=True)
    empty = submit(agency, "/years/2022/notice", "/years/2022/objection", {"grounds": " "})
    assert empty.status_code == 422 and "此项必填" in empty.get_data(as_text=True)
    clock.day = date(2023, 2, 1)
    html = agency.get("/years/2022/notice").get_data(as_text=True)
    assert 'id="objection-form"' not in html and "公示期已于 2023-01-31 结束" in html


def test_an_objection_through_the_page_is_dated_today_and_decided_by_a_reviewer(app, clock):
    regulator = open_notice(app)
    clock.day = date(2023, 1, 20)
    agency = client_as(app, "agency_a")
    filed = submit(agency, "/years/2022/notice", "/years/2022/objection",
                   {"grounds": "D01 已按期整改"})
    assert filed.status_code == 302
    objection = app.extensions["ledger"].read_side.objection(f"2022-{A}")
    assert objection["filed_on"] == date(2023, 1, 20) and objection["grounds"] == "D01 已按期整改"
    # The regulator sees what is missing before finalizing.
    html = regulator.get("/years/2022/notice").get_data(as_text=True)
    assert "尚不能定稿" in html and f"2022-{A}" in html and "公示期至 2023-01-31，须在其后定稿" in html
    clock.day = date(2023, 2, 1)
    refused = submit(regulator, "/years/2022/notice", "/years/2022/final",
                     {"finalized_on": "2023-02-01"})
    assert refused.status_code == 409 and f"2022-{A}" in refused.get_data(as_text=True)
    # The reviewer's queue and decision form.
    reviewer = client_as(app, "reviewer")
    assert reviewer.get("/objections").headers["Location"].endswith("/years/2022/objections")
    assert 'id="objection-queue-link"' in reviewer.get("/bureau").get_data(as_text=True)
    queue = reviewer.get("/years/2022/objections").get_data(as_text=True)
    assert "D01 已按期整改" in queue and "decision-form" in queue
    trail = queue.split('id="year-trail"')[1]
    assert trail.index("发布公示") < trail.index("提出异议")  # every step, in log order
    field = f"o{A}"
    bad = submit(reviewer, "/years/2022/objections", f"/objections/2022-{A}/decision",
                 {f"{field}-outcome": "dismissed", f"{field}-reasoning": "",
                  f"{field}-decided_on": "2023-02-01"})
    assert bad.status_code == 422 and "此项必填" in bad.get_data(as_text=True)
    early = submit(reviewer, "/years/2022/objections", f"/objections/2022-{A}/decision",
                   {f"{field}-outcome": "dismissed", f"{field}-reasoning": "无新事实",
                    f"{field}-decided_on": "2023-01-19"})
    assert early.status_code == 409  # well formed, before the filing: a conflict
    assert "must not be before the objection was filed" in early.get_data(as_text=True)
    assert app.extensions["ledger"].read_side.objection(f"2022-{A}")["status"] == "open"
    done = submit(reviewer, "/years/2022/objections", f"/objections/2022-{A}/decision",
                  {f"{field}-outcome": "dismissed", f"{field}-reasoning": "无新事实",
                   f"{field}-decided_on": "2023-02-01"})
    assert done.status_code == 302
    assert app.extensions["ledger"].read_side.objection(f"2022-{A}")["status"] == "dismissed"
    assert "驳回" in agency.get("/years/2022/notice").get_data(as_text=True)
    final = submit(regulator, "/years/2022/notice", "/years/2022/final",
                   {"finalized_on": "2023-02-01"})
    assert final.status_code == 302
    html = app.test_client().get("/years/2022/final").get_data(as_text=True)
    assert "已于 2023-02-01 定稿" in html and "暂定" not in html


def test_a_reviewer_who_recorded_a_deduction_of_the_agency_sees_the_refusal(app, clock):
    open_notice(app)
    clock.day = date(2023, 1, 20)
    submit(client_as(app, "agency_a"), "/years/2022/notice", "/years/2022/objection",
           {"grounds": "x"})
    # li.regulator recorded A's deduction; as a reviewer they may not decide.
    li = client_as(app, "li.regulator")
    field = f"o{A}"
    response = submit(li, "/years/2022/objections", f"/objections/2022-{A}/decision",
                      {f"{field}-outcome": "dismissed", f"{field}-reasoning": "r",
                       f"{field}-decided_on": "2023-01-20"})
    assert response.status_code == 403 and "recorded a deduction" in response.get_data(
        as_text=True)


def test_annual_standings_by_basis_mark_differences_and_provisional_figures(app, clock):
    open_notice(app)
    li = principal("regulator")
    app.extensions["ledger"].ledger.record_provincial_evaluation(li, A, 2022, Decimal(99))
    html = app.test_client().get("/standings/annual?year=2022&basis=noticed").get_data(
        as_text=True)
    assert 'data-basis="noticed"' in html and "（暂定）" in html
    changed = re.findall(r'<tr class="changed">.*?</tr>', html, re.S)
    assert len(changed) == 1 and A in changed[0]  # A's current score moved, B's did not
    missing = app.test_client().get("/standings/annual?year=2022&basis=final").get_data(
        as_text=True)
    assert 'id="basis-missing"' in missing
    assert "（暂定）" in app.test_client().get("/standings?month=2022-12&year=2022").get_data(
        as_text=True)


def test_noticed_and_final_results_download_with_chinese_headers(app, clock):
    regulator = open_notice(app)
    response = app.test_client().get("/exports/notice-2022.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["名次", "统一社会信用代码", "机构名称"] and rows[0][-1] == "结果性质"
    assert {r[1] for r in rows[1:]} == {A, B} and all(r[-1] == "暂定" for r in rows[1:])
    assert app.test_client().get("/exports/final-2022.xlsx").status_code == 404
    clock.day = date(2023, 2, 1)
    submit(regulator, "/years/2022/notice", "/years/2022/final", {"finalized_on": "2023-02-01"})
    book = openpyxl.load_workbook(io.BytesIO(app.test_client().get(
        "/exports/final-2022.xlsx").get_data()))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert "年度得分" in header and "等级" in header
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert {v[1] for v in values} == {A, B} and {v[-1] for v in values} == {"最终"}


def test_the_agency_page_marks_a_provisional_year_and_shows_the_frozen_bases(app, clock):
    open_notice(app)
    auditor = client_as(app, "auditor")
    html = auditor.get(f"/agencies/{A}?year=2022").get_data(as_text=True)
    assert 'id="evaluation-provisional"' in html and 'id="evaluation-bases"' in html
    clock.day = date(2023, 2, 1)
    submit(client_as(app, "regulator"), "/years/2022/notice", "/years/2022/final",
           {"finalized_on": "2023-02-01"})
    html = auditor.get(f"/agencies/{A}?year=2022").get_data(as_text=True)
    assert 'id="evaluation-provisional"' not in html and "最终" in html
