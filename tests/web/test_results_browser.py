"""In real headless Chromium: an agency objects through the notice page, a reviewer decides
it through the objection queue, and the agency sees the decision."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ledger.web.serving import served
from tests.api.conftest import principal
from tests.clock import Clock
from tests.web.conftest import A, token_for, year_2022_app
from tests.web.conftest import browser_sign_in as sign_in  # the browser fixture is conftest's


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def results_app(database_url, clock):
    app = year_2022_app(database_url, clock)
    services = app.extensions["ledger"]
    services.ledger.open_notice(principal("regulator"), 2022, date(2023, 1, 19),
                                services.read_side)
    services.read_side.refresh()
    yield app
    services.close()


@pytest.fixture
def context(browser):  # noqa: F811
    contexts = []

    def new():
        contexts.append(browser.new_context())
        return contexts[-1].new_page()
    yield new
    for c in contexts:
        c.close()


def test_an_agency_objects_through_the_page_and_a_reviewer_decides_it(
        results_app, clock, context):
    clock.day = date(2023, 1, 20)
    with served(results_app) as site:
        agency = context()
        sign_in(agency, site, token_for(results_app, "agency_a"), "/years/2022/notice")
        agency.wait_for_url(re.compile(r"/years/2022/notice"))
        assert "公示期至 2023-01-31" in agency.locator("#notice-period").inner_text()
        agency.fill("#grounds", "三月的 D01 已在期限内整改，请复核。")
        agency.click("#objection-form button[type=submit]")
        agency.wait_for_selector("#own-objection")
        assert agency.locator("#own-status").inner_text() == "待复核"
        assert agency.locator("#objection-form").count() == 0  # one objection only

        reviewer = context()
        sign_in(reviewer, site, token_for(results_app, "reviewer"), "/years/2022/objections")
        reviewer.wait_for_url(re.compile(r"/years/2022/objections"))
        section = reviewer.locator(f"#objection-{A}")
        assert "三月的 D01" in section.inner_text()
        section.locator("input[value=dismissed]").check()
        section.locator("textarea").fill("整改时间不影响扣分，维持公示结果。")
        section.locator("button[type=submit]").click()
        reviewer.wait_for_selector(f"#objection-{A} .status")
        assert reviewer.locator(f"#objection-{A} .status").inner_text() == "驳回"
        assert reviewer.locator(f"#objection-{A} form").count() == 0

        agency.reload()
        assert agency.locator("#own-status").inner_text() == "驳回"
    objection = results_app.extensions["ledger"].read_side.objection(f"2022-{A}")
    assert (objection["filed_on"], objection["decided_by"]) == (date(2023, 1, 20),
                                                               "wang.reviewer")
