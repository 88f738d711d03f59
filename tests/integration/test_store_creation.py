"""A new store is created once, complete, however many openers arrive at the same moment.

The race of the issue: on SQLite each DDL statement committed on its own, so a second opener
saw `ledger_events` without its unique index and wrote; the first opener's CREATE UNIQUE INDEX
then failed on the duplicate rows. These tests slow the creation of every index and trigger
down and watch the store from another connection: a table may only ever be seen complete.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from ledger.api import create_app
from ledger.application import Ledger
from tests.integration import writers

A = "91341800H9EH9J1GRF"
SLOW = 0.3  # seconds each CREATE INDEX / CREATE TRIGGER takes in the creating thread


def slowed_ddl(creator: threading.Thread | None = None):
    """A listener that makes index and trigger creation slow (in `creator`, or everywhere)."""
    def before(conn, cursor, statement, parameters, context, executemany):
        head = statement.lstrip().upper()
        if head.startswith(("CREATE UNIQUE INDEX", "CREATE INDEX", "CREATE TRIGGER",
                            "CREATE OR REPLACE TRIGGER")) and (
                creator is None or threading.current_thread() is creator):
            time.sleep(SLOW)
    return before


def what_is_seen(url: str) -> dict | None:
    """From a connection of its own: the events table's unique indexes and triggers, and the
    read models' first generations, or None while the events table is not visible."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                        "AND name = 'ledger_events'").first() is None:
                    return None
                indexes = {r[1] for r in conn.exec_driver_sql(
                    "PRAGMA index_list('ledger_events')") if r[2]}
                triggers = conn.exec_driver_sql(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name = 'ledger_events'").scalar()
            else:
                if conn.exec_driver_sql(
                        "SELECT to_regclass('ledger_events')").scalar() is None:
                    return None
                indexes = {r[0] for r in conn.exec_driver_sql(
                    "SELECT indexrelid::regclass::text FROM pg_index "
                    "WHERE indrelid = 'ledger_events'::regclass AND indisunique")}
                triggers = conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_trigger WHERE tgrelid = "
                    "'ledger_events'::regclass AND NOT tgisinternal").scalar()
            projections = None
            if sa.inspect(conn).has_table("rm_projection"):
                projections = conn.exec_driver_sql(
                    "SELECT count(*) FROM rm_projection").scalar()
            return {"aggregate index": "ledger_events_aggregate_idx" in indexes,
                    "triggers": triggers, "projections": projections}
    finally:
        engine.dispose()


def test_a_new_store_is_never_seen_without_its_constraints(database_url):
    creator = threading.Thread(target=lambda: create_app(
        {"TESTING": True, "DATABASE_URL": database_url}).extensions["ledger"].close())
    listener = slowed_ddl(creator)
    sa.event.listen(sa.Engine, "before_cursor_execute", listener)
    seen = []
    try:
        creator.start()
        while creator.is_alive():
            found = what_is_seen(database_url)
            if found is not None:
                seen.append(found)
            time.sleep(0.02)
        creator.join()
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", listener)
    seen.append(what_is_seen(database_url))
    assert seen[-1] == {"aggregate index": True, "triggers": 2, "projections": 2}
    incomplete = [s for s in seen if not s["aggregate index"] or s["triggers"] != 2
                  or s["projections"] not in (None, 2)]
    assert incomplete == []


@pytest.mark.parametrize("round_", range(2))
def test_writers_opening_a_new_store_with_slow_ddl_register_one_agency_once(
        database_url, round_):
    # Every opener's DDL is slow, so the openers overlap while the store is being created.
    listener = slowed_ddl()
    sa.event.listen(sa.Engine, "before_cursor_execute", listener)
    start = threading.Barrier(8)
    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(
                lambda n: writers.start_and_register(database_url, A, n, start), range(8)))
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", listener)
    assert [r[0] for r in results].count("ok") == 1, results
    assert {r[1] for r in results if r[0] == "refused"} == {"RuleViolation"}
    ledger = Ledger(url=database_url)
    try:
        stored = ledger.recorder.select_notifications(start=1, limit=100)
        assert [n.topic.rsplit(".", 1)[-1] for n in stored] == ["AgencyRegistered"]
    finally:
        ledger.close()


def test_ledger_db_setup_creates_every_table_the_service_would_create_on_first_use(
        database_url):
    from click.testing import CliRunner

    from ledger.cli import main
    from tests.api.conftest import Callers

    done = CliRunner(env={"LEDGER_DATABASE_URL": database_url}).invoke(
        main, ["db", "setup"], catch_exceptions=False)
    assert done.exit_code == 0 and "schema ready" in done.output
    engine = sa.create_engine(database_url)
    try:
        before = set(sa.inspect(engine).get_table_names())
        app = create_app({"TESTING": True, "DATABASE_URL": database_url})
        try:  # every kind of first use: tokens, a bad token, an idempotent write, integrity
            callers = Callers(app)
            assert callers.unknown.get("/api/v1/projections").status_code == 401
            assert callers.regulator.post("/api/v1/agencies", json={
                "credit_code": A, "name": "敬亭招标", "registered_on": "2019-05-10"},
                headers={"Idempotency-Key": "k1"}).status_code == 201
            callers.auditor.get("/api/v1/integrity")
            app.extensions["ledger_verifications"].wait(60)
        finally:
            app.extensions["ledger"].close()
        after = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert after == before
    assert {"ledger_events", "rm_projection", "ledger_api_tokens", "ledger_auth_failures",
            "ledger_idempotency_keys", "ledger_integrity_results",
            "ledger_web_secret"} <= before
