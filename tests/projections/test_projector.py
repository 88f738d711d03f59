"""The store's projector: a background thread that feeds the read models, so that reads and
writes wait for it instead of applying events themselves; one leads per lock file; its lag is
exported at /metrics."""

from __future__ import annotations

import time
from datetime import date

import pytest

from ledger.api import create_app, follow
from ledger.application import Ledger
from ledger.projections.store.projector import Projector
from ledger.projections.queries.queries import ReadSide
from ledger.projections.store.runner import ASSESSMENTS, EVENT_INDEX, NAMES
from tests.api.test_service_routes import samples
from tests.conftest import REGULATOR

A, B = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG"


def no_catching_up(read_side: ReadSide, monkeypatch) -> list[str]:
    """Make a read that would apply events itself fail loudly; the names it tried."""
    tried: list[str] = []

    def refuse(name, position, deadline):
        tried.append(name)
        raise AssertionError(f"the read applied {name} up to {position} itself")
    monkeypatch.setattr(read_side, "_apply_up_to", refuse)
    return tried


def until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.01)


@pytest.fixture
def followed(database_url):
    """A read side with its projector running, and another Ledger writing to the same store."""
    writer = Ledger(url=database_url)
    read_side = ReadSide(Ledger(url=database_url))
    # However loaded the machine, requests wait for the projector rather than help it.
    read_side.follow().grace = 30.0
    yield read_side, writer
    read_side.close()
    writer.close()


def test_a_read_sees_a_write_of_another_instance_applied_by_the_projector(followed,
                                                                          monkeypatch):
    read_side, writer = followed
    tried = no_catching_up(read_side, monkeypatch)
    writer.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
    recorded = writer.record_deduction(REGULATOR, A, "D01", date(2022, 3, 2), "late")
    # Read straight away: the read waits for the projector, never applies anything itself.
    listed = read_side.deductions(A)
    assert [d["id"] for d in listed] == [recorded.id] and tried == []
    events = read_side.agency_events(A)
    assert [e["position"] for e in events][-1] == recorded.position
    # Nobody read: the projector still brings both models to the head by itself.
    more = writer.record_deduction(REGULATOR, A, "D02", date(2022, 3, 3), "late")
    until(lambda: all(read_side.runner.active(n)[1] >= more.position for n in NAMES))
    assert tried == []


def test_every_rung_write_is_applied_without_waiting_for_a_look_at_the_head(followed,
                                                                          monkeypatch):
    """After a batch the projector waits for the bell rather than reading the head again at
    once: a write rung after its commit must still wake it, batch after batch."""
    from ledger.projections.store import projector

    read_side, writer = followed
    monkeypatch.setattr(projector, "BUSY_POLL", 60.0)  # only the bell can wake it in time
    monkeypatch.setattr(projector, "IDLE_POLL", 60.0)
    writer.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
    read_side.nudge()
    for day in range(2, 8):
        recorded = writer.record_deduction(REGULATOR, A, "D01", date(2022, 3, day), "late")
        read_side.nudge()  # as a request does once its write is recorded
        until(lambda: read_side.runner.active(ASSESSMENTS)[1] >= recorded.position)


def test_a_write_waits_for_the_projector_not_for_its_own_catch_up(followed, monkeypatch):
    read_side, writer = followed
    tried = no_catching_up(read_side, monkeypatch)
    writer.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
    recorded = writer.record_deduction(REGULATOR, A, "D01", date(2022, 3, 2), "late")
    read_side.wait_for(recorded.position, names=(ASSESSMENTS,))
    assert read_side.written_deduction(recorded.id)["id"] == recorded.id and tried == []


def test_without_a_running_projector_a_read_catches_up_itself(database_url):
    writer = Ledger(url=database_url)
    read_side = ReadSide(Ledger(url=database_url))
    read_side.follow().stop()  # stopped: reads are on their own again, as in the CLI
    try:
        writer.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
        assert read_side.agency(A)["name"] == "敬亭招标"
    finally:
        read_side.close()
        writer.close()


def test_one_projector_leads_per_lock_file_and_another_takes_over(database_url, tmp_path):
    lock = str(tmp_path / "projector.lock")
    ledger = Ledger(url=database_url)
    first, second = ReadSide(ledger), ReadSide(ledger)
    try:
        one = first.follow(lock)
        until(lambda: one.leading)
        other = second.follow(lock)
        time.sleep(0.3)
        assert one.leading and not other.leading
        ledger.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
        # The waiting one is not the leader: it waits by watching the tracking row.
        assert other.wait(ASSESSMENTS, ledger_head(first), timeout=10) is not None
        one.stop()
        until(lambda: other.leading)
        recorded = ledger.register_agency(REGULATOR, B, "宛陵咨询", date(2022, 1, 1))
        until(lambda: second.runner.active(EVENT_INDEX)[1] >= recorded.position)
    finally:
        first.close()
        second.close()
        ledger.close()


def ledger_head(read_side: ReadSide) -> int:
    return read_side.runner.head()


def test_a_failing_projector_leaves_reads_to_catch_up_themselves(database_url, monkeypatch):
    read_side = ReadSide(Ledger(url=database_url))
    projector = Projector(read_side.runner)
    monkeypatch.setattr(projector, "step", lambda: (_ for _ in ()).throw(RuntimeError("down")))
    read_side.projector = projector.start()
    writer = Ledger(url=database_url)
    try:
        until(lambda: projector.failed)
        writer.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
        started = time.monotonic()
        assert read_side.agency(A)["name"] == "敬亭招标"
        assert time.monotonic() - started < 5
    finally:
        read_side.close()
        writer.close()


def test_metrics_show_the_projector_and_the_lag_of_each_read_model(database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    writer = Ledger(url=database_url)
    try:
        writer.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
        time.sleep(0.05)
        behind = samples(app.test_client().get("/metrics").get_data(as_text=True))
        for name in NAMES:
            assert behind[("ledger_read_model_lag", (("read_model", name),))] == 1
            assert behind[("ledger_read_model_lag_seconds", (("read_model", name),))] >= 0.05
        assert behind.get(("ledger_projector_leading", ()), 0) == 0

        read_side = app.extensions["ledger"].read_side
        applied = ("ledger_projector_events_applied_total", (("read_model", ASSESSMENTS),))
        follow(app)
        projector = read_side.projector
        until(lambda: all(read_side.runner.active(n)[1] >= 1 for n in NAMES))
        until(lambda: projector.leading)
        caught_up = samples(app.test_client().get("/metrics").get_data(as_text=True))
        for name in NAMES:
            assert caught_up[("ledger_read_model_lag", (("read_model", name),))] == 0
            assert caught_up[("ledger_read_model_lag_seconds", (("read_model", name),))] == 0
        assert caught_up[("ledger_projector_leading", ())] == 1
        assert caught_up[applied] - behind.get(applied, 0) == 1
    finally:
        writer.close()
        app.extensions["ledger"].close()
