"""The pages in real headless Chromium (Debian's package) driven by Playwright."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from ledger.web.screenshots import ARGS, CHROMIUM
from ledger.web.serving import served
from tests.web.conftest import A, B, token_for


def install_chromium() -> str | None:
    """Install Debian's chromium when it is missing and we may; the reason when we cannot."""
    if os.path.exists(CHROMIUM):
        return None
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "chromium"], env=env, capture_output=True)
    return None if os.path.exists(CHROMIUM) else (
        f"{CHROMIUM} is missing and could not be installed (apt-get install -y chromium as root)")


@pytest.fixture(scope="session")
def browser():
    problem = install_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = problem or "the playwright package is not installed (pip install -e .[test])"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"Browser tests cannot run in CI: {problem}")
        pytest.skip(f"Browser tests skipped outside CI: {problem}")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def site(web_app):
    with served(web_app) as base:
        yield base


@pytest.fixture
def page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def sign_in(page, site: str, token: str, then: str) -> None:
    page.goto(f"{site}/sign-in?next={then}")
    page.fill("#token", token)
    page.click("#sign-in")


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
