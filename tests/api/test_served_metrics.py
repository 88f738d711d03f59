"""`ledger serve` with several gunicorn workers: /metrics sums every worker's counters
(prometheus-client's multiprocess mode), and each request leaves one log line with its id."""

from __future__ import annotations

import json
import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.api.test_service_routes import samples
from tests.serving import serve

REQUESTS = 60


@pytest.fixture
def server(database_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    served = serve({**env, "LEDGER_DATABASE_URL": database_url}, tmp_path / "serve.log",
                   workers=3)
    yield served
    served.stop()


def get(url: str, headers: dict | None = None):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}),
                                timeout=60) as response:
        return response.status, dict(response.headers), response.read()


def test_metrics_sum_the_counters_of_every_worker(server):
    def scrape() -> dict:
        status, headers, body = get(server.base + "/metrics")
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        return samples(body.decode())

    before = scrape()
    with ThreadPoolExecutor(6) as pool:  # spread over the workers
        answers = list(pool.map(lambda _: get(server.base + "/healthz")[0], range(REQUESTS)))
    assert answers == [200] * REQUESTS
    after = scrape()
    key = ("ledger_http_requests_total",
           (("method", "GET"), ("route", "/healthz"), ("status", "200")))
    # One worker alone would report only its own share of the requests.
    assert after[key] - before.get(key, 0) == REQUESTS
    histogram = ("ledger_http_request_duration_seconds_count",
                 (("method", "GET"), ("route", "/healthz")))
    assert after[histogram] - before.get(histogram, 0) == REQUESTS
    assert after[("ledger_read_model_lag", (("read_model", "assessments"),))] == 0


def test_each_served_request_is_logged_once_with_its_id(server):
    for n in range(5):
        _, headers, _ = get(server.base + "/readyz", {"X-Request-Id": f"probe-{n}"})
        assert headers["X-Request-Id"] == f"probe-{n}"
    server.stop()
    lines = [json.loads(line) for line in server.log.read_text().splitlines()
             if line.startswith("{")]
    probes = [e for e in lines if e["route"] == "/readyz"]
    assert sorted(e["request_id"] for e in probes) == [f"probe-{n}" for n in range(5)]
    assert {e["status"] for e in probes} == {200}
