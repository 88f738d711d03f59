"""The what-if page (规则草案试算): regulators and auditors preview a draft; nothing is recorded."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ledger.api import create_app
from ledger.domain.principals import Principal
from tests.web.conftest import A, B, csrf_token

LI = Principal("li.regulator", "regulator")


@pytest.fixture
def app(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite3'}",
                      "WEB_PLAIN_HTTP": True, "SECRET_KEY": "test",
                      "TODAY": lambda: date(2022, 6, 30)})
    ledger = app.extensions["ledger"].ledger
    ledger.register_agency(LI, A, "宣城敬亭招标代理有限公司", date(2019, 5, 10))
    ledger.register_agency(LI, B, "皖南宛陵项目管理有限公司", date(2019, 5, 10))
    ledger.record_deduction(LI, B, "D03", date(2022, 2, 10), "contract late")
    app.extensions["ledger"].read_side.refresh()
    yield app
    app.extensions["ledger"].close()


def client_as(app, role: str | None):
    client = app.test_client()
    if role:
        token = app.extensions["ledger"].tokens.create(role, f"someone.{role}", None)
        assert client.post("/sign-in", data={"token": token, "next": "/",
                                             "csrf_token": csrf_token(client)}).status_code == 303
    return client


def head(app) -> int:
    return app.extensions["ledger"].ledger.recorder.max_notification_id() or 0


def draft_form(client, listed: dict[str, str], period: str) -> dict:
    """The page's form as rendered (every item, its terms filled in), `listed` items ticked
    with the given points."""
    page = client.get("/what-if").get_data(as_text=True)
    codes = re.findall(r'name="(items-\d+)-code" type="hidden" value="(D\d\d)"', page)
    assert len(codes) == 18
    data = {"csrf_token": csrf_token(client, "/what-if"), "effective_from": "2022-01-01",
            "period": period}
    for prefix, code in codes:
        data[f"{prefix}-code"] = code
        data[f"{prefix}-points"] = listed.get(code, "2")
        data[f"{prefix}-rectifiable"] = "y"
        if code in listed:
            data[f"{prefix}-listed"] = "y"
    return data


@pytest.mark.parametrize("role", ["regulator", "auditor"])
def test_a_draft_is_previewed_beside_the_current_figures(app, role):
    """B's D03 of 2022-02-10: 2 points as recorded, 5 under the draft: 98 now, 95 drafted."""
    client = client_as(app, role)
    before = head(app)
    page = client.post("/what-if", data=draft_form(client, {"D03": "5"}, "2022-02"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = re.findall(r"<tr class=\"[a-z]*\"><td>(\d+)</td><td>(\w+)</td><td>[^<]*</td>\s*"
                      r"<td class=\"num\">([\d.]+)</td>\s*<td class=\"num\">([\d.]+)</td>"
                      r"<td>(\d+)</td>\s*<td class=\"num\">(-?[\d.]+)</td>", html)
    assert rows == [("1", A, "100", "100", "1", "0"), ("2", B, "95", "98", "2", "-3")]
    assert head(app) == before


def test_a_year_shows_the_grades(app):
    client = client_as(app, "regulator")
    html = client.post("/what-if", data=draft_form(client, {"D03": "5"}, "2022")) \
        .get_data(as_text=True)
    assert "草案等级" in html and "现行等级" in html and "合格" in html


def test_bad_input_is_shown_next_to_the_field(app):
    client = client_as(app, "regulator")
    data = draft_form(client, {"D03": "1.234"}, "2022-13")
    page = client.post("/what-if", data=data)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "请填写月份" in html and "0.01 的整数倍" in html
    nothing = client.post("/what-if", data=draft_form(client, {}, "2022"))
    assert nothing.status_code == 422 and "至少勾选一个" in nothing.get_data(as_text=True)


@pytest.mark.parametrize("role,status", [("reviewer", 403), (None, 401)])
def test_other_roles_may_not(app, role, status):
    assert client_as(app, role).get("/what-if").status_code == status
