"""Fuzz every write route with arbitrary text and numbers: never a 5xx, and nothing recorded
when the request is refused."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.api.conftest import build_world, head
from tests.api.write_routes import Route, write_routes

ROUTES = ["register", "deregister", "deduction", "dispute", "withdrawal", "rectification",
          "resolution", "session", "attendance", "secondment", "completion", "rating",
          "provincial", "publication"]
SPECIAL = ["\x00", "a\x00b", "\ud800", "x\udfffy", "\x1b[31m", "\x85", "", "   ", "x" * 4001,
           "20261130", "2026-W48-1", "2022-02-30", "0000-01-01", "9999-12-31",
           "=cmd|' /C calc'!A0", "D99", "reduced", "NaN", "1e400", "<script>", "../../etc",
           "\u202e", "😀" * 201]
text = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF,
                                      exclude_categories=()), max_size=60)
numbers = st.one_of(st.integers(), st.integers(min_value=10 ** 30, max_value=10 ** 99),
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.decimals(allow_nan=False, allow_infinity=False, places=5).map(float))
scalars = st.one_of(text, numbers, st.sampled_from(SPECIAL), st.none(), st.booleans())
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


def post(caller, path: str, body) -> object:
    return caller.post(path, data=json.dumps(body), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("name", ROUTES)
def test_a_write_route_never_fails_and_records_nothing_when_it_refuses(app, callers, name):
    route = next(r for r in write_routes(build_world(app)) if r.name == name)

    @FUZZ
    @given(body=bodies(route))
    def check(body):
        before = head(app)
        response = post(callers[route.role], route.path, body)
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
