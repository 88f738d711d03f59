"""Fuzz every write route with arbitrary text and numbers: never a 5xx, and nothing recorded
when the request is refused."""

from __future__ import annotations

import json
from datetime import date
from itertools import count
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ledger.domain.credit_code import check_character
from tests.api.conftest import A, B, build_world, head, principal
from tests.api.write_routes import Route, write_routes

ROUTES = ["register", "deregister", "deduction", "dispute", "withdrawal", "rectification",
          "resolution", "session", "attendance", "secondment", "completion", "rating",
          "provincial", "publication"]
SPECIAL = ["\x00", "a\x00b", "\ud800", "x\udfffy", "\x1b[31m", "\x85", "", "   ", "x" * 4001,
           "20261130", "2026-W48-1", "2022-02-30", "0000-01-01", "9999-12-31",
           "=cmd|' /C calc'!A0", "D99", "reduced", "NaN", "1e400", "<script>", "../../etc",
           "\u202e", "😀" * 201]
# Hypothesis never draws surrogates itself: mix them (and NUL, ESC, C1) in explicitly.
text = st.one_of(st.text(max_size=60), st.text(alphabet=st.sampled_from(
    ["\ud800", "\udfff", "\x00", "\x1b", "\x85", " ", "a", "中"]), min_size=1, max_size=6))
numbers = st.one_of(st.integers(), st.integers(min_value=10 ** 30, max_value=10 ** 99),
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.decimals(allow_nan=False, allow_infinity=False, places=5).map(float))
scalars = st.one_of(st.sampled_from(SPECIAL), text, numbers, st.none(), st.booleans())
values = st.one_of(scalars, st.lists(scalars, max_size=3),
                   st.dictionaries(st.sampled_from(["document", "sha256", "x"]), scalars,
                                   max_size=2))
FUZZ = settings(max_examples=50, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def bodies(route: Route):
    """The route's valid body with any of its fields replaced, or an extra field added."""
    changed = {name: st.one_of(st.just(value), values) for name, value in route.body.items()}
    extra = st.dictionaries(st.sampled_from(["extra", "id", "position"]), values, max_size=1)
    return st.tuples(st.fixed_dictionaries(changed), extra).map(lambda b: {**b[0], **b[1]})


def fresh_code(n: int) -> str:
    first17 = f"91341800{n:09d}"
    return first17 + check_character(first17)


def fresh_target(route: Route, ledger, n: int) -> tuple[str, dict]:
    """A path and body on records made for this example alone, so an earlier example's
    success (a withdrawal, a dispute) does not turn every later one into a 409."""
    li, body = principal("regulator"), dict(route.body)
    fresh_agency = lambda: ledger.register_agency(li, fresh_code(n), "代理", date(2020, 1, 1)).id
    deduction = lambda rule="D01", on=date(2022, 1, 10): ledger.record_deduction(
        li, A, rule, on, "late").id
    if route.name == "register":
        return route.path, {**body, "credit_code": fresh_code(n)}
    if route.name in ("deregister", "secondment"):
        return route.path.replace(f"/{B}/", "/").replace(f"/{A}/", "/").replace(
            "/agencies/", f"/agencies/{fresh_agency()}/"), body
    if route.name in ("dispute", "withdrawal"):
        return f"/api/v1/deductions/{deduction()}/{route.path.rsplit('/', 1)[1]}", body
    if route.name == "rectification":
        return f"/api/v1/deductions/{deduction('D02', date(2022, 3, 10))}/rectification", body
    if route.name == "resolution":
        dispute = ledger.file_dispute(principal("regulator"), deduction(), "on time",  # paper
                                      date(2022, 1, 12)).id
        return f"/api/v1/disputes/{dispute}/resolution", body
    if route.name == "attendance":
        session = ledger.hold_training_session(li, "lecture", date(2022, 3, 1), "law", 2).id
        return f"/api/v1/training-sessions/{session}/attendance", body
    if route.name == "completion":
        secondment = ledger.start_secondment(li, fresh_agency(), "E1", "张三", "监管科",
                                             date(2022, 4, 1)).id
        return f"/api/v1/secondments/{secondment}/completion", body
    return route.path, body


def post(caller, path: str, body) -> object:
    return caller.post(path, data=json.dumps(body), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("name", ROUTES)
def test_a_write_route_never_fails_and_records_nothing_when_it_refuses(app, callers, name):
    route = next(r for r in write_routes(build_world(app)) if r.name == name)
    ledger, examples = app.extensions["ledger"].ledger, count(1)

    @FUZZ
    @given(data=st.data())
    def check(data):
        path, valid = fresh_target(route, ledger, next(examples))
        body = data.draw(bodies(Route(route.name, route.role, path, valid)))
        before = head(app)
        response = post(callers[route.role], path, body)
        assert response.status_code < 500, (body, response.get_json())
        if response.status_code >= 400:
            assert set(response.get_json()) == {"code", "status", "message", "errors"}
            assert head(app) == before, body
        else:
            assert response.status_code == 201 and head(app) > before

    check()


@FUZZ
@given(segment=st.one_of(text, st.sampled_from(SPECIAL)))
def test_arbitrary_ids_in_write_paths_are_refused_not_failed(sqlite_app, sqlite_callers,
                                                           segment):
    before = head(sqlite_app)
    where = quote(segment.encode("utf-8", "surrogatepass"), safe="")
    for path, body in ((f"/api/v1/agencies/{where}/deductions",
                        {"rule_code": "D01", "found_on": "2022-01-05", "reason": "late"}),
                       (f"/api/v1/deductions/{where}/withdrawal", {"reason": "wrong"}),
                       (f"/api/v1/months/{where}/publication", {"published_on": "2022-02-01"})):
        response = post(sqlite_callers.regulator, path, body)
        assert response.status_code < 500, (path, response.get_json())
        if response.status_code != 201:
            assert head(sqlite_app) == before


YEAR_ROUTES = [  # results and inspections, on a 2022 with its notice open, A objecting, a plan
    Route("notice", "regulator", "/api/v1/years/2022/notice", {"opened_on": "2023-01-10"}),
    Route("objection", "regulator", "/api/v1/years/2022/objections",
          {"grounds": "the score is wrong", "agency": B, "filed_on": "2023-01-12"}),
    Route("objection resolution", "reviewer", f"/api/v1/objections/2022-{A}/resolution",
          {"outcome": "dismissed", "reasoning": "the score stands", "decided_on": "2023-01-20"}),
    Route("final", "regulator", "/api/v1/years/2022/final", {"finalized_on": "2023-02-01"}),
    Route("inspection plan", "regulator", "/api/v1/inspection-plans",
          {"year": 2023, "drawn_on": "2023-01-05", "ratio": 0.5, "seed_text": "双色球 2023001",
           "inspectors": [{"name": "张伟", "conflicts": []}, {"name": "李娜"}], "team_size": 2}),
    Route("inspection", "regulator", "/api/v1/inspection-plans/2022/inspections",
          {"agency": A, "inspected_on": "2022-06-01", "inspectors": ["张伟"],
           "summary": "records complete", "deduction_ids": []}),
]


@pytest.mark.parametrize("route", YEAR_ROUTES, ids=[r.name for r in YEAR_ROUTES])
def test_a_yearly_route_never_fails_and_records_nothing_when_it_refuses(app, callers, route):
    build_world(app)
    assert post(callers.regulator, "/api/v1/years/2022/notice",
                {"opened_on": "2023-01-10"}).status_code == 201
    assert post(callers.regulator, "/api/v1/years/2022/objections", {
        "grounds": "wrong", "agency": A, "filed_on": "2023-01-11"}).status_code == 201
    post(callers.regulator, "/api/v1/inspection-plans", {  # a plan the inspections can name
        "year": 2022, "drawn_on": "2022-01-05", "ratio": 1, "seed_text": "2022",
        "inspectors": [{"name": "张伟"}], "team_size": 1})

    @FUZZ
    @given(body=bodies(route))
    def check(body):
        before = head(app)
        response = post(callers[route.role], route.path, body)
        assert response.status_code < 500, (body, response.get_json())
        if response.status_code >= 400:
            assert set(response.get_json()) == {"code", "status", "message", "errors"}
            assert head(app) == before, body

    check()
