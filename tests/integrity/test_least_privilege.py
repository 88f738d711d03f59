"""`ledger db setup --app-role`: the owner creates every table and grants an application role
exactly what the service needs; the service runs as that role, records and reads, and can
neither change the log nor switch its append-only triggers off (PostgreSQL only)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from ledger.cli import main
from tests.api.conftest import A, Callers, make_app

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@pytest.fixture
def app_role(database_url):
    """A role of this test's own (roles belong to the whole server), dropped afterwards."""
    role = f"ledger_app_{uuid.uuid4().hex[:10]}"
    yield role
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE usename = '{role}'")
            if conn.exec_driver_sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'").first():
                conn.exec_driver_sql(f"DROP OWNED BY {role}")
                conn.exec_driver_sql(f"DROP ROLE {role}")
    finally:
        engine.dispose()


def as_role(url: str, role: str) -> str:
    return sa.engine.make_url(url).set(username=role).render_as_string(hide_password=False)


def setup(url: str, *args: str):
    return CliRunner(env={"LEDGER_DATABASE_URL": url}).invoke(
        main, ["db", "setup", *args], catch_exceptions=False)


def refused(engine: sa.Engine, statement: str) -> str:
    with pytest.raises(sa.exc.DBAPIError) as error:
        with engine.begin() as conn:
            conn.exec_driver_sql(statement)
    return str(error.value.orig)


def test_the_service_runs_as_the_app_role_and_cannot_bypass_the_append_only_guard(
        database_url, app_role):
    done = setup(database_url, "--app-role", app_role)
    assert done.exit_code == 0, done.output
    assert "GRANT SELECT, INSERT ON ledger_events TO " + app_role in done.output
    assert f"LEDGER_DATABASE_URL=postgresql+psycopg://{app_role}@" in done.output
    url = as_role(database_url, app_role)

    app = make_app(url)  # boots as the app role: it creates nothing, finds everything
    try:
        callers = Callers(app)  # tokens created and checked as the app role
        created = callers.regulator.post("/api/v1/agencies", json={
            "credit_code": A, "name": "宣城敬亭招标代理有限公司", "registered_on": "2019-05-10"})
        assert created.status_code == 201, created.get_json()
        deduction = callers.regulator.post(f"/api/v1/agencies/{A}/deductions", json={
            "rule_code": "D01", "found_on": "2022-01-10", "reason": "notice late"})
        assert deduction.status_code == 201, deduction.get_json()
        assert callers.auditor.get(f"/api/v1/agencies/{A}").status_code == 200
        events = callers.auditor.get(f"/api/v1/agencies/{A}/events").get_json()
        assert [e["event"] for e in events] == ["AgencyRegistered", "DeductionRecorded"]
        assert callers.auditor.get("/api/v1/standings?month=2022-01").status_code == 200
        assert callers.regulator.post("/api/v1/projections/event_index/rebuild").status_code \
            == 202
        app.extensions["ledger"].read_side.rebuild("event_index", wait=True)
        callers.auditor.get("/api/v1/integrity")
        app.extensions["ledger_verifications"].wait(60)
        report = callers.auditor.get("/api/v1/integrity").get_json()
        assert report["verified"] is True, report
    finally:
        app.extensions["ledger"].close()

    engine = sa.create_engine(url)
    try:
        assert "permission denied" in refused(
            engine, "SET session_replication_role = replica")
        assert "permission denied" in refused(engine, "DELETE FROM ledger_events")
        assert "permission denied" in refused(engine, "UPDATE ledger_events SET topic = 'x'")
        assert "permission denied" in refused(engine, "TRUNCATE ledger_events")
        assert "must be owner" in refused(
            engine, "ALTER TABLE ledger_events DISABLE TRIGGER ALL")
        assert "must be owner" in refused(
            engine, "DROP TRIGGER ledger_events_no_change ON ledger_events")
        assert "permission denied" in refused(engine, "CREATE TABLE mine (x int)")
        assert "permission denied" in refused(
            engine, "SELECT setval(pg_get_serial_sequence('ledger_events', 'id'), 1)")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM ledger_events").scalar() == 2
    finally:
        engine.dispose()


def test_setup_is_idempotent_and_refuses_a_superuser_as_the_app_role(database_url, app_role):
    assert setup(database_url, "--app-role", app_role).exit_code == 0
    again = setup(database_url, "--app-role", app_role)
    assert again.exit_code == 0 and "CREATE ROLE" not in again.output
    superuser = setup(database_url, "--app-role", "postgres", "--grants-only")
    assert superuser.exit_code != 0 and "must not be the owner" in superuser.output


def test_before_setup_the_documented_role_could_not_boot_the_service(database_url, app_role):
    """The issue's finding: grants on the log alone leave every other table uncreatable."""
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE ROLE {app_role} LOGIN")
            conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {app_role}")
    finally:
        engine.dispose()
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        make_app(as_role(database_url, app_role))
    assert setup(database_url, "--app-role", app_role).exit_code == 0
    app = make_app(as_role(database_url, app_role))
    app.extensions["ledger"].close()
