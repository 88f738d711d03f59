"""Each role's work walked end to end in real headless Chromium, on both backends.

The app's clock is a test clock (Monday 2026-11-02 unless a test moves it), so dispute windows
open and close as the test needs; the worked example is recorded first.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from ledger.domain.principals import Principal
from ledger.web.serving import served
from tests.scenario import replay
from tests.web.axe import severe_violations
from tests.web.conftest import A, B, browser_sign_in

MONDAY = date(2026, 11, 2)
REGULATOR = Principal("li.regulator", "regulator")
AGENCY_A = Principal(f"agency-{A}", "agency", A)


@pytest.fixture
def clock():
    return [MONDAY]


@pytest.fixture
def walk_app(database_url, scenario, clock):
    from ledger.api import create_app
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "WEB_PLAIN_HTTP": True,
                      "SECRET_KEY": "walks", "TODAY": lambda: clock[0]})
    services = app.extensions["ledger"]
    replay(services.ledger, scenario)
    services.read_side.refresh()
    yield app
    services.close()


@pytest.fixture
def site(walk_app):
    with served(walk_app) as base:
        yield base


def token(app, role: str, name: str, agency: str | None = None) -> str:
    return app.extensions["ledger"].tokens.create(role, name, agency)


def head(app) -> int:
    return app.extensions["ledger"].ledger.recorder.max_notification_id() or 0


def as_regulator(page, site, app) -> None:
    browser_sign_in(page, site, token(app, "regulator", "li.regulator"))


def score_of(page, site, code: str, month: str) -> str:
    page.goto(f"{site}/standings?month={month}&basis=current")
    row = page.locator("#standings tbody tr", has_text=code)
    return row.locator("td.num").first.inner_text()


def record(app, deduction: dict) -> str:
    led = app.extensions["ledger"].ledger
    recorded = led.record_deduction(REGULATOR, **deduction)
    app.extensions["ledger"].read_side.wait_for(recorded.position)
    return recorded.id


def test_regulator_records_a_deduction_through_the_form_and_standings_and_trail_show_it(
        page, site, walk_app):
    as_regulator(page, site, walk_app)
    page.goto(f"{site}/work/deductions/new")
    assert "D05 设置差别歧视性条款" in page.locator("#catalogue").inner_text()
    page.select_option("#code", A)
    page.select_option("#rule_code", "D01")
    page.fill("#found_on", MONDAY.isoformat())
    page.fill("#reason", "采购公告未在指定媒体发布")
    page.fill("#project_ref", "XC-2026-031")
    preview_from = head(walk_app)
    page.click("#preview")
    page.wait_for_selector("#deduction-preview")
    assert head(walk_app) == preview_from  # a preview records nothing
    # 10 and 5 working days after the notification on Monday 2026-11-02
    assert page.locator("#preview-rect-due").inner_text() == "2026-11-16"
    assert page.locator("#preview-dispute-deadline").inner_text() == "2026-11-09"
    before = head(walk_app)
    page.dblclick("#submit")  # a double click sends the form once
    page.wait_for_url(re.compile(r"/recorded/"))
    assert "D01 采购公告未按规定发布" in page.locator("#recorded").inner_text()
    position = page.locator("#recorded-position").inner_text().lstrip("#")
    assert int(position) == head(walk_app) == before + 1
    page.click("text=审计轨迹中的记录")
    page.wait_for_url(re.compile(rf"/agencies/{A}/months/2026-11#event-{position}"))
    entry = page.locator(f"#event-{position}")
    assert "记录扣分" in entry.inner_text() and "100 → 98" in entry.inner_text()
    assert score_of(page, site, A, "2026-11") == "98"
    # going back to the answer and reloading it records nothing more
    page.go_back()
    page.reload()
    assert head(walk_app) == before + 1


def test_an_agency_disputes_in_the_window_and_is_refused_after_it(page, site, walk_app, clock):
    first = record(walk_app, dict(code=A, rule_code="D01", found_on=MONDAY, reason="公告逾期"))
    second = record(walk_app, dict(code=A, rule_code="D13", found_on=MONDAY, reason="归档逾期"))
    browser_sign_in(page, site, token(walk_app, "agency", f"agency-{A}", A))
    assert page.locator("#disputable tbody tr").count() == 2
    page.goto(f"{site}/deductions/{first}")
    assert "2026-11-09" in page.locator("#window-note").inner_text()
    assert page.locator("#filed_on").count() == 0  # an agency's filing is dated by the ledger
    page.fill("#grounds", "公告已按时在省政府采购网发布，见附件截图。")
    page.click("#submit")
    page.wait_for_url(re.compile(r"/recorded/"))
    page.goto(f"{site}/deductions/{first}")
    assert "待复核" in page.locator("#dispute-outcome").inner_text()
    # The second form is opened in the window and sent after it has closed.
    page.goto(f"{site}/deductions/{second}")
    page.fill("#grounds", "归档材料齐全。")
    clock[0] = MONDAY + timedelta(days=8)  # Tuesday 2026-11-10: the window closed on the 9th
    before = head(walk_app)
    page.click("#submit")
    page.wait_for_load_state()
    error = page.locator("#grounds-error").inner_text()
    assert "申辩期限已于 2026-11-09 截止" in error
    assert page.locator("#grounds").input_value() == "归档材料齐全。"  # refilled
    assert head(walk_app) == before
    page.goto(f"{site}/deductions/{second}")
    assert page.locator("#window-closed").is_visible()
    assert page.locator("#grounds").count() == 0  # not offered after the window


def test_a_reviewer_decides_and_the_score_changes(page, site, walk_app):
    led = walk_app.extensions["ledger"].ledger
    ded = record(walk_app, dict(code=B, rule_code="D03", found_on=MONDAY, reason="合同公告逾期"))
    filed = led.file_dispute(Principal(f"agency-{B}", "agency", B), ded, "合同已按时公告。")
    walk_app.extensions["ledger"].read_side.wait_for(filed.position)
    browser_sign_in(page, site, token(walk_app, "reviewer", "wang.reviewer"))
    assert score_of(page, site, B, "2026-11") == "100"  # pending: does not count
    page.goto(f"{site}/review")
    page.locator("#review-queue a").first.click()
    page.wait_for_url(re.compile(r"/review/"))
    assert "合同公告逾期" in page.locator("#evidence").inner_text()
    assert "合同已按时公告" in page.locator("#grounds").inner_text()
    before = head(walk_app)
    page.check("input[name=outcome][value=reduced]")
    page.fill("#points", "5")
    page.fill("#reasoning", "情节较轻")
    page.click("#submit")
    page.wait_for_load_state()
    assert "必须大于 0 且小于原分值 3" in page.locator("#points-error").inner_text()
    assert head(walk_app) == before
    page.check("input[name=outcome][value=reduced]")
    page.fill("#points", "1.5")
    page.click("#submit")
    page.wait_for_url(re.compile(r"/recorded/"))
    assert head(walk_app) == before + 1
    assert score_of(page, site, B, "2026-11") == "98.5"


def test_a_refused_form_shows_the_field_error_in_chinese_and_records_nothing(page, site, walk_app):
    as_regulator(page, site, walk_app)
    page.goto(f"{site}/work/agencies/new")
    page.fill("#credit_code", "91341800H9EH9J1GRA")  # wrong check character
    page.fill("#name", "宣城新设招标代理有限公司")
    page.fill("#registered_on", "2026-10-20")
    before = head(walk_app)
    page.click("#submit")
    page.wait_for_load_state()
    error = page.locator("#credit_code-error").inner_text()
    assert "校验码未通过" in error and not re.search(r"[A-Za-z]{4,}", error.replace("SHA", ""))
    assert page.locator("#credit_code").get_attribute("aria-invalid") == "true"
    assert page.locator("#name").input_value() == "宣城新设招标代理有限公司"
    assert head(walk_app) == before
    # a field the form itself checks
    page.fill("#credit_code", "")
    page.click("#submit")
    page.wait_for_load_state()
    assert page.locator("#credit_code-error").inner_text() == "必填。"
    assert head(walk_app) == before


def test_a_post_without_the_csrf_token_or_from_another_site_is_refused(page, site, walk_app):
    as_regulator(page, site, walk_app)
    page.goto(f"{site}/work/agencies/new")
    key = page.locator("input[name=form_key]").input_value()
    csrf = page.locator("#csrf_token").input_value()
    fields = {"credit_code": "91341800MA2N0C8K7R", "name": "无令牌公司", "registered_on": "2026-10-20",
              "form_key": key}
    before = head(walk_app)
    refused = page.request.post(f"{site}/work/agencies/new", form=fields)
    assert refused.status == 400 and "安全令牌" in refused.text()
    foreign = page.request.post(f"{site}/work/agencies/new", form={**fields, "csrf_token": csrf},
                                headers={"Origin": "https://evil.example"})
    assert foreign.status == 403
    assert head(walk_app) == before


PAGES = {
    "public": ["/standings?month=2022-01", "/standings?month=2022-12&year=2022", "/sign-in",
               "/years/2022/notice", "/years/2022/final", "/standings/annual?year=2022"],
    "regulator": ["/today", "/agencies", "/agencies?q=宣城", f"/agencies/{A}?year=2022",
                  f"/agencies/{B}/months/2022-01", "/bureau?year=2022", "/import",
                  "/work/agencies/new", "/work/agencies/deregister", "/work/deductions/new",
                  "/work/training/new", "/work/training/attendance", "/work/secondments/new",
                  "/work/secondments/complete", "/work/ratings/new", "/work/provincial/new",
                  "/work/months/publish?month=2026-10", "/review", "/years/2022/notice",
                  "/years/2022/objections", "/inspection-plans/draw", "/what-if"],
    "reviewer": ["/today", "/review"],
    "agency": ["/today", f"/agencies/{A}?year=2022", f"/agencies/{B}", "/agencies?q=9134"],
}


def test_axe_finds_no_serious_or_critical_violation_on_any_page(browser, site, walk_app):
    ded = record(walk_app, dict(code=A, rule_code="D01", found_on=MONDAY, reason="公告逾期"))
    led = walk_app.extensions["ledger"].ledger
    filed = led.file_dispute(AGENCY_A, ded, "已按时发布。")
    walk_app.extensions["ledger"].read_side.wait_for(filed.position)
    extra = {"regulator": [f"/deductions/{ded}", f"/work/deductions/{ded}/withdraw",
                           f"/work/deductions/{ded}/rectification", f"/review/{filed.id}"],
             "reviewer": [f"/review/{filed.id}"], "agency": [f"/deductions/{ded}"]}
    tokens = {"regulator": token(walk_app, "regulator", "li.regulator"),
              "reviewer": token(walk_app, "reviewer", "wang.reviewer"),
              "agency": token(walk_app, "agency", f"agency-{A}", A)}
    found, blocked = {}, []
    for width in (1200, 390):
        for who, paths in PAGES.items():
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            page.on("console", lambda m: blocked.append(m.text)
                    if "Content Security Policy" in m.text else None)
            if who != "public":
                browser_sign_in(page, site, tokens[who])
            for path in paths + extra.get(who, []):
                page.goto(site + path)
                if width == 390:  # usable at phone width: nothing wider than the screen
                    overflow = page.evaluate(
                        "document.documentElement.scrollWidth - window.innerWidth")
                    if overflow > 0:
                        found[f"{who} {path} @390"] = [{"id": "horizontal-overflow",
                                                        "px": overflow}]
                violations = severe_violations(page)
                if violations:
                    found[f"{who} {path} @{width}"] = violations
            # a form refused, as axe must see it too
            if who == "regulator":
                page.goto(site + "/work/agencies/new")
                page.click("#submit")
                page.wait_for_load_state()
                violations = severe_violations(page)
                if violations:
                    found[f"refused form @{width}"] = violations
            context.close()
    assert not blocked, blocked
    assert not found, found
