"""Several writers, each with its own Ledger on the same store, change one record at once."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from threading import Barrier

import pytest

from ledger.application import Ledger
from tests.integration import writers
from tests.integration.writers import WRITER

A = "91341800H9EH9J1GRF"
THREADS, PROCESSES = 8, 4  # processes are fewer: each one imports the ledger afresh


@pytest.fixture
def store(database_url) -> tuple[str, Ledger]:
    """The shared store with one agency in it, and a ledger to inspect it afterwards."""
    ledger = Ledger(url=database_url)
    ledger.register_agency(WRITER, A, "敬亭招标", date(2022, 1, 1))
    yield database_url, ledger
    ledger.close()


def in_threads(worker, *args) -> list[tuple]:
    start = Barrier(THREADS)
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(worker, *args, n, start) for n in range(THREADS)]
        return [f.result() for f in futures]


def in_processes(worker, *args) -> list[tuple]:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(PROCESSES)
        with ProcessPoolExecutor(PROCESSES, mp_context=context) as pool:
            futures = [pool.submit(worker, *args, n, start) for n in range(PROCESSES)]
            return [f.result() for f in futures]


def events_of(ledger: Ledger, name: str) -> list:
    notifications = ledger.recorder.select_notifications(start=1, limit=10_000)
    return [(n.id, ledger.mapper.to_domain_event(n)) for n in notifications
            if n.topic.endswith("." + name)]


def assert_each_accepted_event_stored_once(ledger, results, name):
    accepted = {r[1] for r in results if r[0] == "ok"}
    stored = events_of(ledger, name)
    assert len(accepted) == len([r for r in results if r[0] == "ok"])  # distinct positions
    assert sorted(pos for pos, _ in stored) == sorted(accepted)
    # whoever lost every retry was told so; nobody's event vanished
    assert all(r[1] == "ConcurrentChange" for r in results if r[0] == "refused")


@pytest.mark.parametrize("run", [in_threads, in_processes], ids=["threads", "processes"])
def test_concurrent_ratings_on_one_agency_are_all_kept(store, run):
    url, ledger = store
    results = run(writers.rate, url, A)
    assert_each_accepted_event_stored_once(ledger, results, "PurchaserRatingRecorded")
    # n writers, each changing the agency once, lose at most n - 1 times: all get through
    writers_ = len(results)
    assert [r[0] for r in results] == ["ok"] * writers_
    ratings = [e for _, e in events_of(ledger, "PurchaserRatingRecorded")]
    assert sorted(e.rating_id for e in ratings) == sorted(
        f"{A}-R{i}" for i in range(1, writers_ + 1))
    assert sorted(e.rating for e in ratings) == [Decimal(60 + n) for n in range(writers_)]
    assert ledger.agency(A).rating_count == writers_


def test_concurrent_attendance_of_distinct_staff_at_one_session_is_all_kept(store):
    url, ledger = store
    session = ledger.hold_training_session(WRITER, "online", date(2022, 4, 25), "t",
                                           Decimal(2)).id
    results = in_threads(writers.attend, url, session, A)
    assert_each_accepted_event_stored_once(ledger, results, "AttendanceRecorded")
    assert [r[0] for r in results] == ["ok"] * THREADS
    assert len(ledger.training_session(session).attendees) == THREADS


@pytest.mark.parametrize("run", [in_threads, in_processes], ids=["threads", "processes"])
def test_concurrent_withdrawals_of_one_deduction_give_one_success(store, run):
    url, ledger = store
    ded = ledger.record_deduction(WRITER, A, "D01", date(2022, 1, 10), "late").id
    results = run(writers.withdraw, url, ded)
    assert [r[0] for r in results].count("ok") == 1
    refused = [r for r in results if r[0] == "refused"]
    assert {r[1] for r in refused} == {"RuleViolation"}
    assert all("a withdrawal is final" in r[2] for r in refused)
    assert len(events_of(ledger, "DeductionWithdrawn")) == 1


@pytest.mark.parametrize("run", [in_threads, in_processes], ids=["threads", "processes"])
def test_writers_starting_at_once_on_a_new_store_register_one_agency_once(database_url, run):
    results = run(writers.start_and_register, database_url, A)
    assert [r[0] for r in results].count("ok") == 1
    refused = [r for r in results if r[0] == "refused"]
    assert {r[1] for r in refused} == {"RuleViolation"}
    assert all(f"Agency {A} is already registered" in r[2] for r in refused)
    ledger = Ledger(url=database_url)
    try:
        assert len(events_of(ledger, "AgencyRegistered")) == 1
    finally:
        ledger.close()
