"""Events on SQLite and PostgreSQL: durable, contiguous, stamped, versioned, exact."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ledger.application import Ledger
from ledger.config import DEFAULT_SQLITE_FILE, database_url
from ledger.domain.base import LedgerCreated, LedgerEvent
from tests.scenario import REGULATOR, REVIEWER, replay

A, B = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG"


@pytest.fixture
def replayed(database_url, scenario):
    """The worked example written through one Ledger, which is then closed."""
    ledger = Ledger(url=database_url)
    refs, refused, positions = replay(ledger, scenario)
    ledger.close()
    return database_url, refs, positions


@pytest.fixture
def reopened(replayed) -> Ledger:
    ledger = Ledger(url=replayed[0])
    yield ledger
    ledger.close()


def stored_events(ledger: Ledger) -> list[tuple[int, object]]:
    notifications = ledger.recorder.select_notifications(start=1, limit=10_000)
    return [(n.id, ledger.mapper.to_domain_event(n)) for n in notifications]


def test_events_survive_a_new_ledger_on_the_same_store(replayed, reopened):
    _, refs, positions = replayed
    assert reopened.recorder.max_notification_id() == max(positions.values())
    b1 = reopened.deduction(refs["b1"])
    assert (b1.status, b1.dispute.points, b1.rectified_on) == (
        "reduced", Decimal(3), date(2022, 2, 10))
    assert reopened.agency(A).secondments[refs["s1"]].ended_on == date(2022, 5, 15)


def test_positions_are_contiguous_from_1_in_the_order_commands_were_given(replayed, reopened):
    _, _, positions = replayed
    ids = [position for position, _ in stored_events(reopened)]
    assert ids == list(range(1, len(ids) + 1))
    assert [positions[i] for i in sorted(positions)] == ids


def test_every_event_is_recorded_at_in_utc(replayed, reopened):
    for _, event in stored_events(reopened):
        assert event.timestamp.utcoffset() == timedelta(0)


def test_every_event_is_recorded_by_the_principals_name(replayed, reopened):
    events = {type(e).__name__: e for _, e in stored_events(reopened)}
    # The worked example's disputes are dated in 2022: paper submissions a regulator entered.
    assert events["DisputeFiled"].recorded_by == REGULATOR.name
    assert events["DisputeResolved"].recorded_by == REVIEWER.name
    others = [e for _, e in stored_events(reopened)
              if type(e).__name__ not in ("DisputeFiled", "DisputeResolved")]
    assert {e.recorded_by for e in others} == {REGULATOR.name}


def test_every_event_class_has_a_class_version(replayed, reopened):
    events = stored_events(reopened)
    assert len({type(e).__name__ for _, e in events}) >= 11
    for _, event in events:
        assert isinstance(event, (LedgerEvent, LedgerCreated))
        # DisputeFiled gained its calendar basis in version 2; every other event is version 1.
        expected = 2 if type(event).__name__ == "DisputeFiled" else 1
        assert type(event).class_version == expected


def test_dates_and_decimals_come_back_exactly(replayed, reopened):
    events = {type(e).__name__: e for _, e in stored_events(reopened)}
    recorded = events["DeductionRecorded"]
    assert type(recorded.found_on) is date and type(recorded.base_points) is Decimal
    assert events["TrainingSessionHeld"].hours == Decimal(3)
    assert events["ProvincialEvaluationRecorded"].score == Decimal(88)


def test_explicit_sqlite_url_waits_for_other_writers(tmp_path):
    ledger = Ledger(url=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        assert ledger.engine.url.query["timeout"] == "30"
    finally:
        ledger.close()


def test_default_store_is_a_sqlite_file_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGER_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    ledger = Ledger()
    try:
        ledger.register_agency(REGULATOR, A, "x", date(2022, 1, 1))
    finally:
        ledger.close()
    assert (tmp_path / DEFAULT_SQLITE_FILE).exists()


def test_ledger_database_url_selects_the_store():
    url = "postgresql+psycopg://ledger@db:5432/ledger"
    assert database_url({"LEDGER_DATABASE_URL": url}) == url
    assert database_url({}) == f"sqlite:///{DEFAULT_SQLITE_FILE}?timeout=30"
