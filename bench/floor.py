"""The floor of the web stack: what a request costs before the ledger does anything (issue 16).

`python -m bench.floor [--backend sqlite|postgres] [--seconds 10]` runs, under the gunicorn
settings `ledger serve` uses for the store (its default workers, THREADS threads each), `wrk`
with 8 keep-alive connections against

1. `minimal`: a Flask app whose one route reads a JSON body and answers 201 with a small JSON
   object (Flask and werkzeug under gunicorn, nothing else);
2. `healthz`: `ledger serve`'s cheapest route, GET /healthz (the ledger's app with every
   request hook: request id and log line, metrics, input limits, Idempotency-Key check);
3. `deductions`: POST /api/v1/agencies/<code>/deductions on a fresh store of 200 agencies,
   the write load of `bench/http.py`.

For each: requests/s, latency p50/p99 and the server's CPU per request (user + system time of
the gunicorn master and workers from /proc over the run, divided by the requests answered).
1,000 writes/s on two cores leaves 2 ms of CPU per write for everything; the CPU per request
of (1) and (2) says how much of that the web stack takes before any command runs. CPU per
request is the figure to read on a busy machine: rates and latencies depend on what else runs.
The store is made under /tmp/ledger-floor (SQLite) or in the database `ledger_floor`
(PostgreSQL on 127.0.0.1); set LEDGER_BENCH_PORT to serve on another port than 5099.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, jsonify, request

from bench import http
from ledger.server import THREADS, default_workers

WORK = Path("/tmp/ledger-floor")
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
BUDGET_MS = 2.0  # CPU per write at 1,000 writes/s on two cores

minimal = Flask(__name__)


@minimal.post("/api/v1/agencies/<code>/deductions")
def minimal_write(code: str):
    """Read the JSON body, answer 201 with a small JSON object."""
    body = request.get_json()
    return jsonify({"id": code, "rule_code": body.get("rule_code"), "position": 1}), 201


SUMMARY = r"""
function done(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests":%d,"created":0,"other":0,"socket_errors":%d,' ..
    '"seconds":%f,"p50_ms":%f,"p99_ms":%f}\n', summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout + summary.errors.status, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3))
end
"""
MINIMAL_SCRIPT = r"""
wrk.method = "POST"
wrk.body = '{"rule_code":"D01","found_on":"2025-03-05","reason":"bench"}'
wrk.headers["Content-Type"] = "application/json"
""" + SUMMARY
GET_SCRIPT = SUMMARY


def fresh_store(backend: str) -> str:
    if backend == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        path = WORK / "floor.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    engine = sa.create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS "ledger_floor" WITH (FORCE)'))
        conn.execute(sa.text('CREATE DATABASE "ledger_floor"'))
    engine.dispose()
    return f"{SERVER}/ledger_floor"


def loaded(server, script: str, connections: int, seconds: float, warmup: float,
           path: str = "/") -> dict:
    """One wrk run after a warm-up, with the server's CPU per request over it."""
    http.wrk(script, connections, warmup, path)
    before = http.cpu_seconds(server.pid)
    result = http.wrk(script, connections, seconds, path)
    cpu = http.cpu_seconds(server.pid) - before
    answered = result["created"] or result["requests"]  # writes: the accepted ones
    return {"requests_per_s": answered / result["seconds"], "p50_ms": result["p50_ms"],
            "p99_ms": result["p99_ms"], "errors": result["socket_errors"] + result["other"],
            "server_cpu_ms": cpu * 1000 / max(1, answered)}


def floor(backend: str = "sqlite", connections: int = 8, seconds: float = 10.0,
          warmup: float = 3.0, agencies: int = 200) -> dict:
    """The three runs (module doc) on one backend; each a dict of its figures."""
    if not shutil.which("wrk"):
        raise SystemExit("bench.floor needs wrk (Debian package wrk)")
    url = fresh_store(backend)
    workers = default_workers(url)
    runs = {"load_average_before": os.getloadavg()[0]}
    server = http.serve("sqlite://", workers, THREADS, app="bench.floor:minimal")
    try:
        runs["minimal"] = loaded(server, MINIMAL_SCRIPT, connections, seconds, warmup,
                                 "/api/v1/agencies/x/deductions")
    finally:
        http.stop(server)
    token, codes = http.prepare(url, agencies)
    script = http.WRK_SCRIPT % {"codes": ", ".join(f'"{c}"' for c in codes),
                                "rules": ", ".join(f'"{r}"' for r in http.RULES),
                                "months": ", ".join(f'"{m}"' for m in http.MONTHS),
                                "token": token}
    server = http.serve(url, workers, THREADS)
    try:
        runs["healthz"] = loaded(server, GET_SCRIPT, connections, seconds, warmup, "/healthz")
        runs["deductions"] = loaded(server, script, connections, seconds, warmup)
    finally:
        http.stop(server)
    runs["load_average_after"] = os.getloadavg()[0]
    runs["workers"] = f"{workers} x {THREADS} threads"
    return runs


def table(backend: str, runs: dict) -> str:
    lines = [f"{backend}, gunicorn {runs['workers']}, wrk 8 connections (load average "
             f"{runs['load_average_before']:.1f} before, {runs['load_average_after']:.1f} after)",
             "| run | requests/s | p50 / p99 ms | server CPU per request, ms | of the 2 ms budget |",
             "|---|---|---|---|---|"]
    for name in ("minimal", "healthz", "deductions"):
        r = runs[name]
        lines.append(f"| {name} | {r['requests_per_s']:,.0f} | {r['p50_ms']:.1f} / "
                     f"{r['p99_ms']:.1f} | {r['server_cpu_ms']:.2f} | "
                     f"{100 * r['server_cpu_ms'] / BUDGET_MS:.0f} %"
                     + (f" ({r['errors']} errors)" if r["errors"] else "") + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args(argv)
    for backend in args.backend or ["sqlite"]:
        print(table(backend, floor(backend, args.connections, args.seconds)), flush=True)


if __name__ == "__main__":
    main()
