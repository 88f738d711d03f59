"""A web app per test with the worked example recorded, and a client signed in as any role."""

from __future__ import annotations

import re

import pytest

from ledger.api import create_app
from tests.scenario import replay

A, B, C = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG", "91341800WQD9LLEHT2"
ROLES = {"regulator": ("regulator", "li.regulator", None),
         "reviewer": ("reviewer", "wang.reviewer", None),
         "auditor": ("auditor", "chen.auditor", None),
         "agency_a": ("agency", f"agency-{A}", A)}


def make_app(url: str):
    # Test clients speak plain http; production keeps the Secure flag on the session cookie.
    return create_app({"TESTING": True, "DATABASE_URL": url, "WEB_PLAIN_HTTP": True,
                       "SECRET_KEY": "test"})


def populate(app, scenario: dict) -> None:
    services = app.extensions["ledger"]
    replay(services.ledger, scenario)
    services.read_side.refresh()


@pytest.fixture
def web_app(tmp_path, scenario):
    """The app on SQLite with the worked example recorded."""
    app = make_app(f"sqlite:///{tmp_path / 'web.sqlite3'}")
    populate(app, scenario)
    yield app
    app.extensions["ledger"].close()


def token_for(app, who: str) -> str:
    role, name, agency = ROLES[who]
    return app.extensions["ledger"].tokens.create(role, name, agency)


def csrf_token(client, path: str = "/sign-in") -> str:
    """The CSRF token a page rendered for this client's session."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def form_fields(client, path: str) -> dict[str, str]:
    """The hidden fields (CSRF token, form key) of the form a page renders."""
    page = client.get(path).get_data(as_text=True)
    return dict(re.findall(r'<input[^>]*name="(csrf_token|form_key)"[^>]*value="([^"]*)"', page)
                + [(n, v) for v, n in re.findall(
                    r'<input[^>]*value="([^"]*)"[^>]*name="(csrf_token|form_key)"', page)])


def signed_in(app, who: str):
    """A test client whose session holds the token of `who`."""
    client = app.test_client()
    response = client.post("/sign-in", data={"token": token_for(app, who), "next": "/",
                                              "csrf_token": csrf_token(client)})
    assert response.status_code == 303
    return client


# -- the browser (Debian's chromium; .ci/run and bin/test install it, no test does) ---------

@pytest.fixture(scope="session")
def browser():
    import os

    from ledger.web.screenshots import ARGS, CHROMIUM
    problem = None if os.path.exists(CHROMIUM) else (
        f"{CHROMIUM} is missing (bin/test and .ci/run install Debian's chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = problem or "the playwright package is not installed (pip install -e .[test])"
    if problem:
        if os.environ.get("CI") or os.environ.get("LEDGER_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Browser tests cannot run: {problem}")
        pytest.skip(f"Browser tests skipped: {problem}")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def browser_sign_in(page, site: str, token: str, then: str = "/today") -> None:
    page.goto(f"{site}/sign-in?next={then}")
    page.fill("#token", token)
    page.click("#sign-in")
    page.wait_for_load_state()


def year_2022_app(database_url: str, clock):
    """An app whose today is `clock`, with A (a D01 in March 2022) and B (a provincial score of
    95 for 2022) assessed in 2022: the world of the year-results pages."""
    from datetime import date
    from decimal import Decimal

    from tests.api.conftest import principal

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "WEB_PLAIN_HTTP": True,
                      "SECRET_KEY": "test", "TODAY": clock})
    services = app.extensions["ledger"]
    li = principal("regulator")
    services.ledger.register_agency(li, A, "宣城敬亭招标代理有限公司", date(2019, 5, 10))
    services.ledger.register_agency(li, B, "皖南宛陵项目管理有限公司", date(2019, 5, 10))
    services.ledger.record_deduction(li, A, "D01", date(2022, 3, 10), "notice late")
    services.ledger.record_provincial_evaluation(li, B, 2022, Decimal(95))
    services.read_side.refresh()
    return app
