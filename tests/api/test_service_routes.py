"""/healthz, /readyz and /metrics in-process, on both backends; 405 answers say what is allowed."""

from __future__ import annotations

import time
import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import A, callers_for, make_app, principal
from tests.conftest import SERVER_URL, on_server


def samples(text: str) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} of a Prometheus text exposition."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_healthz_answers_while_serving(callers):
    response = callers.anonymous.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_is_ready_on_a_caught_up_ledger(callers):
    response = callers.anonymous.get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ready"
    assert {m["name"] for m in body["read_models"]} == {"assessments", "event_index"}


def test_readyz_answers_503_naming_a_read_model_far_behind_then_catches_it_up(database_url):
    app = make_app(database_url)
    app.config["READY_MAX_LAG"] = 3
    try:
        ledger = app.extensions["ledger"].ledger
        li = principal("regulator")
        ledger.register_agency(li, A, "宣城敬亭招标代理有限公司", date(2019, 5, 10))
        for n in range(6):  # written to the log only: no read has caught the models up
            ledger.record_purchaser_rating(li, A, date(2022, 3, 1), f"p{n}", f"P-{n}", 80)
        client = app.test_client()
        response = client.get("/readyz")
        body = response.get_json()
        assert response.status_code == 503
        assert body["code"] == 503 and body["status"] == "Service Unavailable"
        assert "assessments" in body["errors"] and "7 events behind" in body["message"]
        for _ in range(200):  # the probe started a catch-up in the background
            if client.get("/readyz").status_code == 200:
                break
            time.sleep(0.05)
        assert client.get("/readyz").status_code == 200
    finally:
        app.extensions["ledger"].close()


@pytest.fixture(params=["sqlite", "postgres"])
def doomed_url(request, tmp_path):
    """A store of its own that the test may destroy."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'doomed.sqlite3'}"
        return
    request.getfixturevalue("postgres_server")
    name = f"ledger_doomed_{uuid.uuid4().hex[:8]}"
    on_server(f'CREATE DATABASE "{name}"')
    yield sa.engine.make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def destroy(url: str, tmp_path) -> None:
    if url.startswith("sqlite"):  # overwritten in place: open connections see it too
        for path in tmp_path.glob("doomed.sqlite3*"):
            size = path.stat().st_size
            with open(path, "r+b") as file:
                file.write(b"\0gone" * (size // 5))
    else:
        on_server(f'DROP DATABASE "{sa.engine.make_url(url).database}" WITH (FORCE)')


def test_readyz_answers_503_when_the_database_is_gone_and_healthz_still_200(doomed_url,
                                                                            tmp_path):
    app = make_app(doomed_url)
    try:
        client = app.test_client()
        assert client.get("/readyz").status_code == 200
        destroy(doomed_url, tmp_path)
        response = client.get("/readyz")
        body = response.get_json()
        assert response.status_code == 503, body
        assert set(body) == {"code", "status", "message", "errors"}
        assert "database" in body["errors"]
        assert client.get("/healthz").status_code == 200
        scraped = client.get("/metrics")  # the workers' counters are still reported
        assert scraped.status_code == 200
        assert samples(scraped.get_data(as_text=True))[("ledger_database_up", ())] == 0
    finally:
        app.extensions["ledger"].close()


def test_metrics_count_requests_refusals_and_report_the_read_models(callers):
    def scrape() -> dict:
        response = callers.anonymous.get("/metrics")
        assert response.status_code == 200
        assert response.content_type.startswith("text/plain; version=")
        return samples(response.get_data(as_text=True))

    before = scrape()
    for _ in range(3):
        assert callers.regulator.get(f"/api/v1/agencies/{A}").status_code == 404
    refused = callers.regulator.post("/api/v1/agencies", json={"name": "x"})
    assert refused.status_code == 422
    assert callers.regulator.post("/api/v1/agencies", json={
        "credit_code": A, "name": "宣城敬亭招标代理有限公司", "registered_on": "2019-05-10"},
    ).status_code == 201
    # The registration answers from its aggregate; without a projector, the read catches up.
    behind = scrape()
    assert behind[("ledger_read_model_lag", (("read_model", "assessments"),))] == 1
    assert callers.regulator.get(f"/api/v1/agencies/{A}").status_code == 200
    after = scrape()

    def moved(name: str, **labels) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    route = "/api/v1/agencies/<code>"
    assert moved("ledger_http_requests_total", method="GET", route=route, status="404") == 3
    assert moved("ledger_http_requests_total", method="GET", route=route, status="200") == 1
    assert moved("ledger_http_request_duration_seconds_count", method="GET", route=route) == 4
    assert moved("ledger_commands_refused_total", reason="invalid_input") == 1
    assert moved("ledger_events_appended_total") == 1
    assert after[("ledger_read_model_lag", (("read_model", "assessments"),))] == 0
    assert after[("ledger_read_model_position", (("read_model", "assessments"),))] >= 1
    assert after[("ledger_read_model_rebuilding", (("read_model", "event_index"),))] == 0


def test_a_405_answer_names_the_allowed_methods(sqlite_callers):
    response = sqlite_callers.regulator.client.delete("/api/v1/agencies")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"POST"}
    assert response.get_json()["code"] == 405


def test_service_routes_need_no_token_and_are_not_in_the_api_description(sqlite_app):
    document = callers_for(sqlite_app).anonymous.get("/api/v1/openapi.json").get_json()
    assert not {"/healthz", "/readyz", "/metrics"} & set(document["paths"])
