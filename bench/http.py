"""HTTP writes against `ledger serve` (gunicorn, several workers) on 127.0.0.1 only.

Concurrent clients record deductions; each write's latency is measured, and for a sample the
read-your-writes lag: time from the 201 until a GET of the agency's deductions shows it.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench.reads import percentiles
from ledger.application import Ledger
from ledger.demo.people import credit_code
from ledger.tokens import Tokens

PORT = 5099


def request(conn: http.client.HTTPConnection, method: str, path: str, token: str,
            body: dict | None = None) -> tuple[int, dict]:
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"Authorization": f"Bearer {token}",
                          "Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def prepare(url: str, agencies: int) -> tuple[str, list[str]]:
    """A regulator token and registered agencies on the store."""
    import random

    ledger = Ledger(url=url)
    token = Tokens(ledger.engine).create("regulator", "bench.regulator", None)
    rng, taken = random.Random(2), set()
    codes = [credit_code(rng, taken) for _ in range(agencies)]
    from datetime import date
    from ledger.domain.principals import Principal
    with ledger.batch():
        for code in codes:
            ledger.register_agency(Principal("bench.regulator", "regulator"), code, "基准代理",
                                   date(2024, 1, 1))
    ledger.close()
    return token, codes


def serve(url: str, workers: int) -> subprocess.Popen:
    env = dict(os.environ, LEDGER_DATABASE_URL=url)
    process = subprocess.Popen(
        [sys.executable, "-m", "ledger.cli", "serve", "--host", "127.0.0.1", "--port", str(PORT),
         "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/api/v1/projections")
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("ledger serve did not start")


def write_load(url: str, workers: int = 4, clients: int = 8, writes: int = 2000,
               budget: float = 60.0, lag_every: int = 20) -> dict:
    """Throughput and latency of accepted writes, and the read-your-writes lag."""
    token, codes = prepare(url, 50)
    server = serve(url, workers)
    latencies, lags, failures = [], [], []
    lock, counter = threading.Lock(), iter(range(writes))
    deadline = time.perf_counter() + budget

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        for i in counter:
            if time.perf_counter() > deadline:
                return
            code = codes[i % len(codes)]
            body = {"rule_code": "D01", "found_on": "2024-03-05", "reason": f"bench {i}"}
            started = time.perf_counter()
            status, data = request(conn, "POST", f"/api/v1/agencies/{code}/deductions", token,
                                   body)
            done = time.perf_counter()
            with lock:
                (latencies if status == 201 else failures).append(done - started)
            if status == 201 and i % lag_every == 0:
                while True:
                    _, listing = request(conn, "GET",
                                         f"/api/v1/agencies/{code}/deductions", token)
                    ids = {d["id"] for d in listing} if isinstance(listing, list) else set()
                    if data["id"] in ids or time.perf_counter() - done > 10:
                        break
                with lock:
                    lags.append(time.perf_counter() - done)

    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(client, range(clients)))
    finally:
        elapsed = time.perf_counter() - started
        server.terminate()
        server.wait(10)
    p50, p99 = percentiles(latencies or [0])
    lag50, lag99 = percentiles(lags or [0])
    return {"workers": workers, "clients": clients, "accepted": len(latencies),
            "failed": len(failures), "seconds": elapsed,
            "writes_per_s": len(latencies) / elapsed, "p50_ms": p50, "p99_ms": p99,
            "lag_p50_ms": lag50, "lag_p99_ms": lag99, "lag_samples": len(lags)}
