"""The persistence module appends each event to the hash chain, also under concurrent writers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from eventsourcing.persistence import RecordConflictError

from ledger.application import Ledger
from ledger.integrity.chain import GENESIS, as_uuid, link_hash
from ledger.integrity.verify import verify
from tests.integrity.conftest import EVENTS, write_events
from tests.integrity.tamper import rows

WRITERS, EACH = 8, 15


def test_every_event_gets_the_next_seq_and_its_chained_hash(ledger, log):
    stored = rows(ledger.engine)
    assert [r["id"] for r in stored] == log
    assert [r["seq"] for r in stored] == list(range(1, EVENTS + 1))
    prev = GENESIS
    for r in stored:
        assert r["hash"] == link_hash(seq=r["seq"], position=r["id"],
                                      originator_id=as_uuid(r["originator_id"]),
                                      originator_version=r["originator_version"],
                                      topic=r["topic"], state=bytes(r["state"]), prev_hash=prev)
        prev = r["hash"]


def test_a_fresh_log_verifies_and_reports_its_head(ledger, log):
    report = verify(ledger.engine)
    assert report.verified and report.problems == ()
    assert (report.events, report.last_seq, report.last_position) == (EVENTS, EVENTS, log[-1])
    assert report.head == rows(ledger.engine)[-1]["hash"]
    assert report.first_damaged_position is None


def test_an_empty_log_verifies(ledger):
    report = verify(ledger.engine)
    assert (report.verified, report.events, report.head) == (True, 0, None)


def test_concurrent_writers_with_separate_ledgers_keep_one_chain(database_url):
    apps = [Ledger(url=database_url) for _ in range(WRITERS)]
    try:
        with ThreadPoolExecutor(WRITERS) as pool:
            positions = [p for batch in pool.map(lambda app: write_events(app, EACH), apps)
                         for p in batch]
        report = verify(apps[0].engine)
        stored = rows(apps[0].engine)
    finally:
        for app in apps:
            app.close()
    assert report.verified, report.problems
    assert report.events == WRITERS * EACH
    assert sorted(positions) == [r["id"] for r in stored]
    assert [r["seq"] for r in stored] == list(range(1, WRITERS * EACH + 1))


def test_a_rolled_back_write_leaves_seq_contiguous_though_it_may_burn_a_position(ledger, log):
    clash = ledger.recorder.select_events(as_uuid(rows(ledger.engine)[0]["originator_id"]))
    with pytest.raises(RecordConflictError):
        ledger.recorder.insert_events(clash)  # same originator version: refused and rolled back
    later = write_events(ledger, 2)
    report = verify(ledger.engine)
    assert report.verified, report.problems
    assert [r["seq"] for r in rows(ledger.engine)] == list(range(1, EVENTS + 3))
    assert later[0] > log[-1]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # PostgreSQL only
def test_writer_needs_only_insert_and_select_on_postgres(database_url, ledger, log):
    with ledger.engine.begin() as conn:
        conn.exec_driver_sql("DO $$ BEGIN CREATE ROLE ledger_app_probe LOGIN; "
                             "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        conn.exec_driver_sql("GRANT USAGE ON SCHEMA public TO ledger_app_probe")
        conn.exec_driver_sql("GRANT SELECT, INSERT ON ledger_events TO ledger_app_probe")
        conn.exec_driver_sql("GRANT USAGE ON SEQUENCE ledger_events_id_seq TO ledger_app_probe")
    app_url = database_url.replace("postgres@", "ledger_app_probe@", 1)
    app = Ledger(url=app_url)
    try:
        write_events(app, 3)
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            with app.engine.begin() as conn:
                conn.exec_driver_sql("UPDATE ledger_events SET topic = 'x'")
    finally:
        app.close()
    assert verify(ledger.engine).events == EVENTS + 3
