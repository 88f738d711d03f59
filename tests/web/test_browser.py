"""The pages in real headless Chromium (Debian's package) driven by Playwright."""

from __future__ import annotations

import re

import pytest

from ledger.web.serving import served
from tests.web.conftest import A, B, token_for
from tests.web.conftest import browser_sign_in as sign_in


@pytest.fixture
def site(web_app):
    with served(web_app) as base:
        yield base


def test_standings_load_and_switch_basis(page, site):
    page.goto(f"{site}/standings?month=2022-01")
    first = page.locator("#standings tbody tr").first
    assert A in first.inner_text()
    page.check("input[name=basis][value=published]")  # the form submits itself on change
    page.wait_for_url(re.compile(r"basis=published"))
    assert page.locator("#standings").get_attribute("data-basis") == "published"
    assert B in page.locator("#standings tbody tr").first.inner_text()


def test_sign_in_open_an_agency_and_its_trail_then_look_back(page, site, web_app):
    sign_in(page, site, token_for(web_app, "auditor"), "/standings?month=2022-01")
    page.wait_for_url(re.compile(r"/standings"))
    page.click(f"#standings a[href^='/agencies/{B}']")
    page.wait_for_url(re.compile(f"/agencies/{B}"))
    assert page.locator("svg.chart circle").count() == 12
    page.click(f"a[href='/agencies/{B}/months/2022-01']")
    page.wait_for_url(re.compile("/months/2022-01"))
    assert page.locator("#trail li").count() == 5
    assert page.locator("#month-score").inner_text() == "97"
    option = page.locator("#as-of-position option", has_text="提出申辩")
    page.select_option("#as-of-position", option.get_attribute("value"))
    page.wait_for_url(re.compile(r"as_of_position="))
    assert page.locator("#as-of-banner").is_visible()
    assert page.locator("#month-score").inner_text() == "100"
    assert page.locator("#trail li").count() == 3


def test_an_agency_signed_in_sees_a_403_page_for_another_agency(page, site, web_app):
    sign_in(page, site, token_for(web_app, "agency_a"), f"/agencies/{A}")
    page.wait_for_url(re.compile(f"/agencies/{A}"))
    response = page.goto(f"{site}/agencies/{B}")
    assert response.status == 403
    assert "无权访问" in page.locator("h1").inner_text()


def test_the_language_switch_turns_the_page_english(page, site):
    page.goto(f"{site}/standings?month=2022-01")
    page.click("#lang-switch")
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().startswith("Standings")
