"""`ledger serve` with several gunicorn workers: concurrent writes to one agency are each
counted exactly once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.api.conftest import A

RATINGS, THREADS = 30, 6


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(base: str, method: str, path: str, token: str | None = None, body=None):
    request = urllib.request.Request(
        base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json",
                 **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def served(database_url, tmp_path):
    """`ledger serve --workers 3` on a free port; yields its base URL and a regulator token."""
    env = {**os.environ, "LEDGER_DATABASE_URL": database_url}
    token = subprocess.run([sys.executable, "-m", "ledger.cli", "token", "create", "--role",
                            "regulator", "--name", "li.regulator"], env=env, check=True,
                           capture_output=True, text=True).stdout.strip()
    port = free_port()
    log = open(tmp_path / "serve.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "ledger.cli", "serve", "--port", str(port),
                               "--workers", "3"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # wait until it answers (no assertion depends on timing)
            try:
                urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=5)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail((tmp_path / "serve.log").read_text())
                time.sleep(0.1)
        else:
            pytest.fail("ledger serve did not answer within a minute")
        yield base, token
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_concurrent_ratings_through_several_workers_are_each_counted_once(served):
    base, token = served
    status, _ = call(base, "POST", "/api/v1/agencies", token, {
        "credit_code": A, "name": "宣城敬亭招标代理有限公司", "registered_on": "2019-05-10"})
    assert status == 201

    def rate(n: int):
        return call(base, "POST", f"/api/v1/agencies/{A}/purchaser-ratings", token, {
            "rated_on": "2022-03-01", "purchaser": f"purchaser {n}", "project_ref": f"P-{n}",
            "rating": 80 + n % 20})

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(rate, range(RATINGS)))
    accepted = [body for status, body in results if status == 201]
    assert all(status in (201, 409) for status, _ in results), results
    assert len(accepted) == RATINGS, [b for s, b in results if s != 201]  # none refused

    status, events = call(base, "GET", f"/api/v1/agencies/{A}/events", token)
    rated = [e for e in events if e["event"] == "PurchaserRatingRecorded"]
    assert sorted(e["position"] for e in rated) == sorted(b["position"] for b in accepted)
    assert len({e["data"]["project_ref"] for e in rated}) == RATINGS
    status, evaluation = call(base, "GET", f"/api/v1/agencies/{A}/evaluations/2022", token)
    assert evaluation["purchaser_ratings"] == RATINGS


def test_the_projector_feeds_the_read_models_without_any_read(served):
    """One worker's projector leads and brings both read models to the head of the log by
    itself: nothing reads the event index here, and the agency's registration does not wait
    for any read model."""
    from tests.api.test_service_routes import samples

    base, token = served
    assert call(base, "POST", "/api/v1/agencies", token, {
        "credit_code": A, "name": "宣城敬亭招标代理有限公司", "registered_on": "2019-05-10"})[0] == 201
    for n in range(5):
        status, deduction = call(base, "POST", f"/api/v1/agencies/{A}/deductions", token, {
            "rule_code": "D01", "found_on": f"2022-03-{n + 1:02d}", "reason": f"late {n}"})
        assert status == 201 and deduction["effective_points"] is not None
    deadline = time.monotonic() + 30
    while True:
        with urllib.request.urlopen(base + "/metrics", timeout=60) as response:
            scraped = samples(response.read().decode())
        lags = [scraped[("ledger_read_model_lag", (("read_model", name),))]
                for name in ("assessments", "event_index")]
        if lags == [0, 0] or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert lags == [0, 0]
    assert scraped[("ledger_projector_leading", ())] == 1  # one leader among the 3 workers
    # The projector applied them (a background verification may also catch up, after 100 ms).
    for name in ("assessments", "event_index"):
        assert scraped[("ledger_projector_events_applied_total", (("read_model", name),))] >= 1
