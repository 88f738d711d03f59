"""Read-your-writes with a write path that waits only for what its response is read from.

A write answers once the `assessments` read model holds it; the event index is caught up by
the next read that needs it. Several workers (apps on one store) each cache aggregates and
fold state, and must still see each other's writes.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ledger.projections.store.runner import ASSESSMENTS, EVENT_INDEX
from tests.api.conftest import A, Callers, head, make_app, principal
from tests.api.test_writes import deduct, register
from tests.conftest import reset_postgres


def positions(app) -> dict[str, int]:
    runner = app.extensions["ledger"].read_side.runner
    return {name: runner.active(name)[1] for name in (ASSESSMENTS, EVENT_INDEX)}


def test_a_write_answers_before_the_event_index_and_the_next_get_still_shows_it(app, callers):
    register(callers.regulator)
    ded = deduct(callers.regulator)
    # The response is whole, with computed fields, and equal to what a GET answers.
    assert ded["effective_points"] == 2 and ded["status"] == "standing"
    [again] = callers.regulator.get(f"/api/v1/agencies/{A}/deductions").get_json()
    assert {k: v for k, v in ded.items() if k not in ("position", "recorded_at")} == \
        {k: v for k, v in again.items() if k not in ("position", "recorded_at")}
    # The write did not wait for the event index ...
    assert positions(app)[ASSESSMENTS] == ded["position"] == head(app)
    assert positions(app)[EVENT_INDEX] < ded["position"]
    # ... and yet the events route shows it at once.
    events = callers.auditor.get(f"/api/v1/agencies/{A}/events").get_json()
    assert [e["event"] for e in events] == ["AgencyRegistered", "DeductionRecorded"]
    assert events[-1]["position"] == ded["position"]
    assert positions(app)[EVENT_INDEX] == head(app)


def test_another_worker_sees_a_write_at_once_and_refuses_on_fresh_state(app, callers,
                                                                        database_url):
    """Two apps on one store, as two gunicorn workers: caches never hide the other's writes."""
    other = make_app(database_url)
    try:
        theirs = Callers(other)
        register(callers.regulator)
        first = deduct(theirs.regulator, found_on="2022-01-10")  # caches agency A there
        mine = deduct(callers.regulator, found_on="2022-02-10")
        listed = theirs.regulator.get(f"/api/v1/agencies/{A}/deductions").get_json()
        assert [d["id"] for d in listed] == [first["id"], mine["id"]]
        events = theirs.auditor.get(f"/api/v1/agencies/{A}/events").get_json()
        assert events[-1]["position"] == mine["position"]
        # Deregistered through this app; the other app's cached Agency must see it.
        done = callers.regulator.post(f"/api/v1/agencies/{A}/deregistration",
                                      json={"deregistered_on": "2022-03-01"})
        assert done.status_code == 201, done.get_json()
        late = theirs.regulator.post(f"/api/v1/agencies/{A}/deductions", json={
            "rule_code": "D01", "found_on": "2022-04-10", "reason": "after deregistration"})
        assert late.status_code == 409, late.get_json()
        assert "not registered" in late.get_json()["message"]
    finally:
        other.extensions["ledger"].close()


def test_the_log_commits_durably_and_only_the_read_models_relax(sqlite_app):
    """SQLite: events (and tokens, keys) with synchronous=FULL; read models with NORMAL."""
    services = sqlite_app.extensions["ledger"]
    with services.ledger.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == 2  # FULL
    with services.read_side.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_write_responses_equal_the_deduction_read_from_the_agency_state(app, callers):
    """Deduction writes answer with the resource the fold stored; it must be what a read of
    the agency's state gives (computed fields included), for every kind of deduction write."""
    def read(deduction_id: str) -> dict:
        listed = callers.auditor.get(f"/api/v1/agencies/{A}/deductions").get_json()
        return next(d for d in listed if d["id"] == deduction_id)

    def same_as_read(answered: dict) -> dict:
        got = read(answered["id"])
        assert {k: v for k, v in answered.items() if k not in ("position", "recorded_at")} == \
            {k: v for k, v in got.items() if k not in ("position", "recorded_at")}
        return answered

    register(callers.regulator)
    first = same_as_read(deduct(callers.regulator, found_on="2022-01-10"))
    second = same_as_read(deduct(callers.regulator, found_on="2022-02-10"))
    assert second["doubled"] is True and second["effective_points"] == 4
    rectified = same_as_read(callers.regulator.post(
        f"/api/v1/deductions/{second['id']}/rectification",
        json={"completed_on": "2022-02-20"}).get_json())
    assert rectified["rectification"]["on_time"] is True
    withdrawn = same_as_read(callers.regulator.post(
        f"/api/v1/deductions/{first['id']}/withdrawal",
        json={"reason": "recorded in error"}).get_json())
    assert withdrawn["status"] == "withdrawn" and withdrawn["effective_points"] == 0
    assert read(second["id"])["doubled"] is False  # no longer doubled


def test_a_read_catches_up_to_the_head_it_found_not_to_later_writes(app, callers):
    """Under a steady stream of writes a read applies what was recorded before it began and
    answers, instead of chasing the head batch after batch."""
    register(callers.regulator)
    deduct(callers.regulator, found_on="2022-01-10")
    side, ledger = app.extensions["ledger"].read_side, app.extensions["ledger"].ledger
    ledger.record_deduction(principal("regulator"), A, "D02", date(2022, 2, 10), "pending")
    batches, real = [], side.runner.process_batch

    def batch_then_another_write(*args, **kwargs):
        done = real(*args, **kwargs)
        batches.append(done)
        if len(batches) < 20:  # a writer that records again while each batch runs
            ledger.record_deduction(principal("regulator"), A, "D03", date(2022, 3, 10),
                                    f"meanwhile {len(batches)}")
        return done
    side.runner.process_batch = batch_then_another_write
    listed = callers.auditor.get(f"/api/v1/agencies/{A}/deductions").get_json()
    assert [d["reason"] for d in listed][-1] == "pending"  # what was there when it began
    assert batches == [1]


def test_on_postgresql_only_read_model_commits_skip_the_wait_for_the_disk(postgres_server):
    reset_postgres(postgres_server)
    app = make_app(postgres_server)
    services = app.extensions["ledger"]
    try:
        with services.ledger.engine.connect() as conn:
            assert conn.execute(sa.text("SHOW synchronous_commit")).scalar() == "on"
        with services.read_side.engine.connect() as conn:
            assert conn.execute(sa.text("SHOW synchronous_commit")).scalar() == "off"
    finally:
        services.close()
