"""Any string in an as-of, month or year parameter of any GET route (API and pages) is answered
without a server error: unusable ones are 422 naming the parameter."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.api.conftest import A, build_world, make_app
from tests.web.conftest import csrf_token

# Every GET route with a moment, month or year: (template, where the value goes)
ROUTES = [
    (f"/api/v1/agencies/{A}/months/{{v}}", "month"),
    (f"/api/v1/agencies/{A}/months/{{v}}/trail", "month"),
    (f"/api/v1/agencies/{A}/evaluations/{{v}}", "year"),
    (f"/api/v1/agencies/{A}/deductions?month={{v}}", "month"),
    ("/api/v1/standings?month={v}", "month"),
    ("/api/v1/standings/annual?year={v}", "year"),
    ("/api/v1/training/statistics?year={v}", "year"),
    ("/api/v1/calendars/{v}", "year"),
    ("/api/v1/inspection-plans/{v}", "year"),
    ("/api/v1/inspection-plans/{v}/inspections", "year"),
    ("/inspection-plans/{v}", "year"),
    ("/exports/inspection-plan-{v}.csv", "year"),
    ("/api/v1/years/{v}/notice", "year"),
    ("/api/v1/years/{v}/objections", "year"),
    ("/api/v1/years/{v}/final", "year"),
    ("/years/{v}/notice", "year"),
    ("/years/{v}/objections", "year"),
    ("/years/{v}/final", "year"),
    ("/standings/annual?year={v}", "year"),
    ("/exports/notice-{v}.csv", "year"),
    ("/exports/final-{v}.csv", "year"),
    (f"/agencies/{A}?year={{v}}", "year"),
    (f"/agencies/{A}/months/{{v}}", "month"),
    ("/standings?month={v}", "month"),
    ("/standings?month=2022-01&year={v}", "year"),
    ("/bureau?year={v}", "year"),
    ("/calendars/{v}", "year"),
    ("/exports/standings.csv?month={v}", "month"),
    ("/exports/annual-standings.csv?year={v}", "year"),
    ("/exports/evaluations.csv?year={v}", "year"),
    ("/exports/deductions.csv?month={v}", "month"),
]
AS_OF_ROUTES = [
    f"/api/v1/agencies/{A}/months/2022-01", f"/api/v1/agencies/{A}/months/2022-01/trail",
    f"/api/v1/agencies/{A}/evaluations/2022", f"/api/v1/agencies/{A}/events",
    f"/api/v1/agencies/{A}/deductions", "/api/v1/disputes", "/api/v1/standings?month=2022-01",
    "/api/v1/standings/annual?year=2022", "/api/v1/training/statistics?year=2022",
    "/api/v1/calendars/2026", f"/agencies/{A}/months/2022-01",
    "/api/v1/years/2022/notice", "/api/v1/years/2022/objections", "/api/v1/years/2022/final",
    "/api/v1/inspection-plans/2022", "/api/v1/inspection-plans/2022/inspections",
    "/api/v1/standings/annual?year=2022&basis=noticed",
]
for path in AS_OF_ROUTES:
    joiner = "&" if "?" in path else "?"
    ROUTES += [(f"{path}{joiner}as_of={{v}}", "as_of"),
               (f"{path}{joiner}as_of_position={{v}}", "as_of_position")]

UNUSABLE = ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00", "2026-13", "99999", "0000-01",
            "2026-02-30T00:00:00Z", "-1", "1e9", "9" * 40, "2026-1", "١٩٩٩", "2026-01\n"]


@pytest.fixture(scope="module")
def clients(tmp_path_factory, postgres_server):
    """The API and pages on SQLite and PostgreSQL with a small world, signed in as an auditor."""
    from tests.conftest import reset_postgres

    made = []
    reset_postgres(postgres_server)
    for url in (f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite3'}", postgres_server):
        app = make_app(url)
        app.config["WEB_PLAIN_HTTP"] = True
        build_world(app)
        token = app.extensions["ledger"].tokens.create("auditor", "chen.auditor")
        api = app.test_client()
        page = app.test_client()
        page.post("/sign-in", data={"token": token, "next": "/",
                                    "csrf_token": csrf_token(page)})
        made.append((app, api, page, token))
    yield made
    for app, *_ in made:
        app.extensions["ledger"].close()


def answer(clients, template: str, value: str) -> list[int]:
    url = template.format(v=quote(value, safe=""))
    statuses = []
    for _, api, page, token in clients:
        if url.startswith("/api/"):
            statuses.append(api.get(url, headers={"Authorization": f"Bearer {token}"}).status_code)
        else:
            statuses.append(page.get(url).status_code)
    return statuses


@pytest.mark.parametrize("value", UNUSABLE)
@pytest.mark.parametrize("template, name", ROUTES)
def test_the_issues_unusable_values_are_refused_as_invalid_input(clients, template, name,
                                                                 value):
    if name == "as_of_position" and value.isascii() and value.isdigit() and len(value) < 18:
        return  # a position past the head is usable: the answer as of the head
    statuses = answer(clients, template, value)
    assert all(s in (404, 422) for s in statuses), statuses
    if "{v}" not in template.split("?")[0] or name in ("as_of", "as_of_position"):
        assert all(s == 422 for s in statuses), (statuses, template, value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(route=st.sampled_from(ROUTES), value=st.text(max_size=40) | st.from_regex(
    r"-?\d{1,6}(-\d{1,3}(-\d{1,3}(T\d\d:\d\d(:\d\d)?(Z|[+-]\d\d:\d\d)?)?)?)?", fullmatch=True))
@example(route=ROUTES[0], value="9999-12-31T23:59:59Z")
def test_no_string_in_a_moment_month_or_year_makes_a_server_error(clients, route, value):
    template, _ = route
    assert all(s < 500 for s in answer(clients, template, value))
