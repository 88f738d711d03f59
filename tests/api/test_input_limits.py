"""The API's input edges: text hygiene on every text field, strict dates and figures, and
limits on body size, URI length, JSON nesting and number size; each refused in the error
shape (never a 5xx), nothing recorded."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import A, build_world, head
from tests.api.test_input_errors import assert_error_shape
from tests.api.write_routes import write_routes

UNSTORABLE = {"NUL": "a\x00b", "ESC": "a\x1bb", "C1": "a\x85b", "lone surrogate": "a\ud800b"}


@pytest.fixture
def routes(app):
    return write_routes(build_world(app))


def test_every_route_accepts_its_valid_body(app, callers, routes):
    for route in routes:
        response = callers[route.role].post(route.path, json=route.body)
        assert response.status_code == 201, (route.name, response.get_json())


def test_text_breaking_domain_rules_is_refused_on_every_text_field(app, callers, routes):
    for route in routes:
        for name, limit in route.texts.items():
            for label, value in {**UNSTORABLE, "too long": "x" * (limit + 1),
                                 "blank": "  "}.items():
                before = head(app)
                response = callers[route.role].post(
                    route.path, data=json.dumps({**route.body, name: value}),
                    headers={"Content-Type": "application/json"})
                body = assert_error_shape(response, 422)
                assert name in body["errors"], (route.name, name, label, body)
                assert head(app) == before


def test_a_lone_surrogate_escaped_in_the_raw_body_is_refused(app, callers, routes):
    route = next(r for r in routes if r.name == "withdrawal")
    raw = json.dumps({"reason": "PLACEHOLDER"}).replace("PLACEHOLDER", "\\ud800")
    before = head(app)
    response = callers.regulator.post(route.path, data=raw,
                                      headers={"Content-Type": "application/json"})
    assert "reason" in assert_error_shape(response, 422)["errors"]
    assert head(app) == before


@pytest.mark.parametrize("value", ["20261130", "2026-W48-1", "2022-1-5", "2022-01-05T00:00",
                                   " 2022-01-05", "2022-01-05\n", "２０２２-01-05"])
def test_dates_other_than_yyyy_mm_dd_are_refused_in_every_body(sqlite_app, sqlite_callers,
                                                              value):
    routes = write_routes(build_world(sqlite_app))
    for route in routes:
        for name in route.dates:
            before = head(sqlite_app)
            response = sqlite_callers[route.role].post(route.path,
                                                       json={**route.body, name: value})
            errors = assert_error_shape(response, 422)["errors"]
            assert name in errors and "YYYY-MM-DD" in errors[name][0], (route.name, errors)
            assert head(sqlite_app) == before


@pytest.mark.parametrize("route_name, name, value", [
    ("rating", "rating", 50.123), ("provincial", "score", 90.005), ("rating", "rating", 1e-30),
    ("session", "hours", 1e-30), ("session", "hours", 0.25), ("session", "hours", 24.5),
    ("session", "hours", 0), ("resolution", "points", 0.3),
])
def test_figures_off_their_step_or_range_are_refused(sqlite_app, sqlite_callers, route_name,
                                                     name, value):
    route = next(r for r in write_routes(build_world(sqlite_app)) if r.name == route_name)
    body = {**route.body, name: value}
    if name == "points":
        body["outcome"] = "reduced"
    before = head(sqlite_app)
    response = sqlite_callers[route.role].post(route.path, json=body)
    assert name in assert_error_shape(response, 422)["errors"]
    assert head(sqlite_app) == before


def test_a_100000_deep_array_is_refused_not_a_server_error(app, callers):
    raw = "[" * 100_000 + "]" * 100_000
    before = head(app)
    response = callers.regulator.post("/api/v1/agencies", data=raw,
                                      headers={"Content-Type": "application/json",
                                               "Idempotency-Key": "deep"})
    assert "body" in assert_error_shape(response, 422)["errors"]
    assert head(app) == before


def test_json_nested_beyond_the_limit_is_refused(sqlite_app, sqlite_callers):
    body = {"credit_code": A, "name": "x", "registered_on": "2020-01-01"}
    nested: object = 1
    for _ in range(20):
        nested = [nested]
    response = sqlite_callers.regulator.post("/api/v1/agencies", json={**body, "extra": nested})
    errors = assert_error_shape(response, 422)["errors"]
    assert "nest" in errors["body"][0]


def test_a_5000_digit_integer_is_refused(app, callers):
    raw = '{"year": ' + "9" * 5000 + ', "score": 90}'
    before = head(app)
    response = callers.regulator.post(f"/api/v1/agencies/{A}/provincial-evaluations", data=raw,
                                      headers={"Content-Type": "application/json"})
    assert "digits" in assert_error_shape(response, 422)["errors"]["body"][0]
    assert head(app) == before


def test_a_body_over_the_size_limit_is_refused_with_413(app, callers):
    raw = json.dumps({"reason": "x" * (2 << 20)})
    before = head(app)
    response = callers.regulator.post("/api/v1/deductions/x/withdrawal", data=raw,
                                      headers={"Content-Type": "application/json"})
    assert_error_shape(response, 413)
    assert head(app) == before


def test_an_over_long_address_is_refused_with_414_in_the_error_shape(sqlite_app,
                                                                     sqlite_callers):
    response = sqlite_callers.regulator.get("/api/v1/agencies/" + "9" * 5000)
    assert_error_shape(response, 414)
    response = sqlite_callers.regulator.get("/api/v1/standings?month=" + "9" * 5000)
    assert_error_shape(response, 414)


def test_the_openapi_description_states_the_limits(sqlite_callers):
    spec = sqlite_callers.anonymous.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert schemas["AgencyIn"]["properties"]["name"]["maxLength"] == 200
    assert schemas["WithdrawalIn"]["properties"]["reason"]["maxLength"] == 4000
    assert float(schemas["RatingIn"]["properties"]["rating"]["multipleOf"]) == 0.01
    hours = schemas["SessionIn"]["properties"]["hours"]
    assert [float(hours[k]) for k in ("minimum", "maximum", "multipleOf")] == [0.5, 24, 0.5]


def test_gunicorn_reads_addresses_longer_than_the_apps_limit(monkeypatch):
    from ledger.api.limits import MAX_URI
    from ledger.server import Server

    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    server = Server(bind="127.0.0.1:5001", workers=1)
    assert server.cfg.limit_request_line > MAX_URI + len("GET  HTTP/1.1")


def test_a_served_over_long_address_gets_the_json_414(tmp_path):
    import os
    import urllib.error
    import urllib.request

    from tests.serving import serve

    env = {**os.environ, "LEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'l.sqlite3'}"}
    served = serve(env, tmp_path / "serve.log", workers=1)
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(served.base + "/api/v1/agencies/" + "9" * 5000, timeout=30)
        assert refused.value.code == 414
        assert json.loads(refused.value.read())["code"] == 414
    finally:
        served.stop()
