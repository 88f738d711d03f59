"""Shared fixtures: a ledger on SQLite and on the real PostgreSQL, and the worked example."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.application import Ledger
from ledger.domain.principals import Principal

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "spec" / "examples"
if not EXAMPLES.exists():  # a clone whose shared/ sits elsewhere: use the copy in tests/
    EXAMPLES = Path(__file__).resolve().parent / "examples"
SERVER_URL = os.environ.get(
    "LEDGER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Each test run gets a database of its own on the server, so runs never disturb each other.
RUN_DATABASE = f"ledger_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
POSTGRES_URL = sa.engine.make_url(SERVER_URL).set(database=RUN_DATABASE).render_as_string(
    hide_password=False)

REGULATOR = Principal("li.regulator", "regulator")
REGULATOR_2 = Principal("zhao.regulator", "regulator")
REVIEWER = Principal("wang.reviewer", "reviewer")
AUDITOR = Principal("chen.auditor", "auditor")


def agency_principal(code: str) -> Principal:
    return Principal(f"agency-{code}", "agency", code)


def reset_postgres(url: str) -> None:
    """Drop everything in the test database so each test starts from an empty ledger."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def postgres_available(url: str) -> str | None:
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - reported to the person running the tests
        return str(exc).splitlines()[0]


def on_server(statement: str) -> None:
    """Run one statement outside a transaction on the server's maintenance database."""
    engine = sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(statement))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of this run's own database, created on first use and dropped at the end."""
    problem = postgres_available(SERVER_URL)
    if problem:
        message = f"PostgreSQL at {SERVER_URL} cannot be reached: {problem}"
        if os.environ.get("LEDGER_REQUIRE_POSTGRES") == "1" or os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    on_server(f'CREATE DATABASE "{RUN_DATABASE}"')
    yield POSTGRES_URL
    on_server(f'DROP DATABASE IF EXISTS "{RUN_DATABASE}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path) -> str:
    """A fresh, empty store on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    url = request.getfixturevalue("postgres_server")
    reset_postgres(url)
    return url


@pytest.fixture
def ledger(database_url) -> Ledger:
    app = Ledger(url=database_url)
    yield app
    app.close()


@pytest.fixture(scope="session")
def scenario() -> dict:
    return json.loads((EXAMPLES / "sample-scenario.json").read_text())


@pytest.fixture(scope="session")
def expected() -> dict:
    return json.loads((EXAMPLES / "sample-expected.json").read_text())
