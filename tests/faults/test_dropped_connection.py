"""PostgreSQL terminating the app's connections gives one clean error; the next request
succeeds, and nothing half-written is left behind."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ledger.integrity.audit import audit
from tests.api.conftest import A, Callers, make_app
from tests.conftest import reset_postgres


@pytest.fixture
def pg_app(postgres_server):
    reset_postgres(postgres_server)
    app = make_app(postgres_server)
    yield app
    app.extensions["ledger"].close()


def terminate_others(url: str) -> int:
    """pg_terminate_backend on every other connection to the app's database."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            return len(conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).all())
    finally:
        engine.dispose()


def rate(callers, n: int):
    return callers.regulator.post(f"/api/v1/agencies/{A}/purchaser-ratings", json={
        "rated_on": "2022-03-01", "purchaser": f"purchaser {n}", "project_ref": f"P-{n}",
        "rating": 80})


def test_a_dropped_connection_gives_a_clean_error_then_the_next_request_succeeds(
        pg_app, postgres_server):
    callers = Callers(pg_app)
    assert callers.regulator.post("/api/v1/agencies", json={
        "credit_code": A, "name": "宣城敬亭招标代理有限公司",
        "registered_on": "2019-05-10"}).status_code == 201
    assert rate(callers, 1).status_code == 201
    assert terminate_others(postgres_server) >= 1

    failed = rate(callers, 2)
    assert failed.status_code == 503
    assert set(failed.get_json()) == {"code", "status", "message", "errors"}
    retried = rate(callers, 3)
    assert retried.status_code == 201

    ledger = pg_app.extensions["ledger"].ledger
    events = callers.regulator.get(f"/api/v1/agencies/{A}/events").get_json()
    refs = [e["data"]["project_ref"] for e in events if e["event"] == "PurchaserRatingRecorded"]
    assert refs == ["P-1", "P-3"]  # the refused write left nothing
    report = audit(ledger)
    assert report.verified and report.projections_match is True, report.problems


def test_a_connection_dropped_while_reading_recovers_on_the_next_read(pg_app, postgres_server):
    callers = Callers(pg_app)
    callers.regulator.post("/api/v1/agencies", json={
        "credit_code": A, "name": "宣城敬亭招标代理有限公司", "registered_on": "2019-05-10"})
    terminate_others(postgres_server)
    assert callers.auditor.get(f"/api/v1/agencies/{A}").status_code == 503
    assert callers.auditor.get(f"/api/v1/agencies/{A}").get_json()["credit_code"] == A
