"""Finding: eight concurrent GET /integrity calls each ran a full verification (29-40 s at
19.6k events) and stalled public reads. Now a call answers the stored result at once and at
most one verification runs, in the background, across every worker."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.integrity.last import Verifications
from tests.api.conftest import Callers, build_world, make_app, principal

SLOW = 1.5  # seconds each verification takes in these tests


@pytest.fixture
def workers(database_url, monkeypatch):
    """Two apps on one store (two gunicorn workers) and a count of verifications run."""
    runs = []
    original = Verifications._full_check

    def slow_check(self):
        runs.append(threading.current_thread().name)
        time.sleep(SLOW)
        return original(self)

    monkeypatch.setattr(Verifications, "_full_check", slow_check)
    apps = [make_app(database_url) for _ in range(2)]
    build_world(apps[0])
    yield apps, runs
    for app in apps:
        verifications = app.extensions.get("ledger_verifications")
        if verifications is not None:
            verifications.wait(60)
        app.extensions["ledger"].close()


def test_eight_concurrent_calls_answer_at_once_and_start_one_verification(workers):
    apps, runs = workers
    callers = [Callers(app) for app in apps]
    start = threading.Barrier(8)

    def call(n: int) -> tuple[float, dict]:
        caller = callers[n % 2].auditor
        start.wait()
        began = time.monotonic()
        answer = caller.get("/api/v1/integrity")
        assert answer.status_code == 200
        return time.monotonic() - began, answer.get_json()

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(call, range(8)))
    assert max(seconds for seconds, _ in answers) < SLOW  # none waited for a verification
    assert all(body["verified"] is None and body["verifying"] for _, body in answers)
    for app in apps:
        app.extensions["ledger_verifications"].wait(60)
    assert len(runs) == 1  # one verification for eight calls on two workers
    head = apps[0].extensions["ledger"].ledger.recorder.max_notification_id()
    report = callers[1].auditor.get("/api/v1/integrity").get_json()
    assert report["verified"] is True and report["projections_match"] is True
    assert report["verified_up_to"] == report["head_position"] == head
    assert report["log_head_position"] == head and report["verified_by"] == "server"
    assert report["verified_at"] and report["events"] == head
    assert {"events", "head", "verified", "first_damaged_position"} <= set(report)
    assert len(runs) == 1  # a result covering the head is answered, not verified again


def test_a_result_behind_the_log_is_answered_and_verified_again_in_the_background(workers):
    apps, runs = workers
    app = apps[0]
    auditor = Callers(app).auditor
    auditor.get("/api/v1/integrity")
    app.extensions["ledger_verifications"].wait(60)
    verified_at = auditor.get("/api/v1/integrity").get_json()["verified_at"]
    ledger = app.extensions["ledger"].ledger
    from datetime import date
    ledger.register_agency(principal("regulator"), "91341800WQD9LLEHT2", "新机构",
                           date(2022, 1, 1))
    began = time.monotonic()
    stale = auditor.get("/api/v1/integrity").get_json()
    assert time.monotonic() - began < SLOW
    assert stale["verified_at"] == verified_at and stale["verifying"] is True
    assert stale["verified_up_to"] < stale["log_head_position"]
    app.extensions["ledger_verifications"].wait(60)
    fresh = auditor.get("/api/v1/integrity").get_json()
    assert fresh["verified_up_to"] == fresh["log_head_position"] and len(runs) == 2


def test_ledger_verify_stores_the_result_the_route_answers(database_url, monkeypatch, workers):
    apps, runs = workers
    monkeypatch.setenv("LEDGER_DATABASE_URL", database_url)
    assert CliRunner().invoke(main, ["verify"], catch_exceptions=False).exit_code == 0
    report = Callers(apps[1]).auditor.get("/api/v1/integrity").get_json()
    assert report["verified"] is True and report["verified_by"] == "ledger verify"
    assert report["verifying"] is False and runs == []  # current: nothing started
