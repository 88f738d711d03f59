"""HTTP writes against `ledger serve` (gunicorn, several workers) on 127.0.0.1 only.

The load: `wrk` (C, one thread, keep-alive connections, closed loop) records deductions on a
fresh store for a fixed time after a warm-up; each deduction goes to one of `agencies`
agencies, with a rule code and a date (2024-2025) that vary so that months hold a few
deductions each, as real months do. Without `wrk` on the PATH, Python client threads do the
same (slower: the client then shares the two cores with the server; see `client_ceiling`).
`wrk` is Debian's package of that name (`apt-get install wrk`); it is not needed by the tests.

Alongside, one sampler measures read-your-writes: it records a deduction, then GETs the
agency's deductions on the same connection until the new one is listed; the lag is the time
from the 201 until that GET's answer. `ryw_first_get` counts samples where the very first GET
already showed the write (the API's guarantee: it should be every one).

`client_ceiling` runs the same client against a WSGI app that only answers 201 with a small
JSON body, under the same gunicorn settings: how fast client and server plumbing alone can go
on this machine, so the ledger's own cost can be told apart from the load generator's.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from bench.reads import percentiles
from ledger.application import Ledger
from ledger.demo.people import credit_code
from ledger.domain.principals import Principal
from ledger.server import THREADS, default_workers
from ledger.tokens import Tokens

# LEDGER_BENCH_PORT: another port, so two benchmarks on one machine do not meet.
PORT = int(os.environ.get("LEDGER_BENCH_PORT", "5099"))
RULES = ("D01", "D02", "D03", "D04", "D06", "D08")  # non-serious codes of both rule sets
MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]

WRK_SCRIPT = r"""
local codes = {%(codes)s}
local rules = {%(rules)s}
local months = {%(months)s}
local headers = {["Authorization"] = "Bearer %(token)s",
                 ["Content-Type"] = "application/json"}
local threads, counter = {}, 1
function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end
function init(args)
  n, created, other = 0, 0, 0
end
function request()
  n = n + 1
  local k = n * 7919 + id * 104729
  local code = codes[k %% #codes + 1]
  local body = string.format(
    '{"rule_code":"%%s","found_on":"%%s-%%02d","reason":"bench %%d-%%d"}',
    rules[k %% #rules + 1], months[math.floor(k / 13) %% #months + 1], 5 + k %% 20, id, n)
  return wrk.format("POST", "/api/v1/agencies/" .. code .. "/deductions", headers, body)
end
function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); o = o + t:get("other") end
  io.write(string.format(
    'WRKJSON {"requests":%%d,"created":%%d,"other":%%d,"socket_errors":%%d,' ..
    '"seconds":%%f,"p50_ms":%%f,"p90_ms":%%f,"p99_ms":%%f,"max_ms":%%f}\n',
    summary.requests, c, o, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3))
end
"""

TRIVIAL_SCRIPT = r"""
wrk.method = "POST"
wrk.body = '{"rule_code":"D01"}'
wrk.headers["Content-Type"] = "application/json"
function done(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests":%d,"seconds":%f,"p50_ms":%f,"p99_ms":%f}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3))
end
"""


def trivial_app(environ, start_response):
    """What `client_ceiling` serves: read the body, answer 201 with a small JSON object."""
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    body = b'{"id":"x","position":1}'
    start_response("201 Created", [("Content-Type", "application/json"),
                                    ("Content-Length", str(len(body)))])
    return [body]


def request(conn: http.client.HTTPConnection, method: str, path: str, token: str,
            body: dict | None = None) -> tuple[int, dict]:
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"Authorization": f"Bearer {token}",
                          "Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def prepare(url: str, agencies: int) -> tuple[str, list[str]]:
    """A regulator token and registered agencies on the store."""
    ledger = Ledger(url=url)
    token = Tokens(ledger.engine).create("regulator", "bench.regulator", None)
    rng, taken = random.Random(2), set()
    codes = [credit_code(rng, taken) for _ in range(agencies)]
    with ledger.batch():
        for code in codes:
            ledger.register_agency(Principal("bench.regulator", "regulator"), code, "基准代理",
                                   date(2024, 1, 1))
    ledger.close()
    return token, codes


def drop_stale_wal(url: str) -> None:
    """A SQLite store made afresh must not meet the -wal/-shm files of the last run's store
    (a server stopped with connections open leaves them): SQLite would report an I/O error."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///").partition("?")[0])
        if not path.exists():
            for suffix in ("-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)


def serve(url: str, workers: int, threads: int = THREADS,
          app: str | None = None) -> subprocess.Popen:
    """`ledger serve` on PORT (or gunicorn serving `app`), once it answers."""
    env = dict(os.environ, LEDGER_DATABASE_URL=url,
               GUNICORN_CMD_ARGS=f"--threads {threads}")  # 1: gunicorn's sync worker
    if app is None:
        command = [sys.executable, "-m", "ledger.cli", "serve", "--host", "127.0.0.1",
                   "--port", str(PORT), "--workers", str(workers)]
    else:
        command = [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{PORT}",
                   "-w", str(workers), app]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120  # several workers start slowly on a loaded machine
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/api/v1/projections")
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("server did not start")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its living children (Linux)."""
    def own(p: int) -> float:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return own(pid) + sum(cpu_seconds(int(c)) for c in children)


def stop(process: subprocess.Popen) -> None:
    """Stop the server; killed if it has not ended 30 s after being asked (a loaded machine
    can keep gunicorn's graceful stop of several workers longer than that)."""
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wrk(script: str, connections: int, seconds: float, path: str = "/") -> dict:
    """One wrk run (one thread) with the Lua `script`; its JSON summary."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout",
             "30s", "-s", f.name, f"http://127.0.0.1:{PORT}{path}"],
            capture_output=True, text=True, check=True).stdout
    finally:
        Path(f.name).unlink()
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    return json.loads(line.removeprefix("WRKJSON "))


def body_for(k: int, tag: str) -> tuple[int, dict]:
    """The k-th write of a client: (agency index, body), varied as the wrk script varies it."""
    month = MONTHS[(k // 13) % len(MONTHS)]
    return k, {"rule_code": RULES[k % len(RULES)], "found_on": f"{month}-{5 + k % 20:02d}",
               "reason": f"bench {tag}-{k}"}


def python_load(token: str, codes: list[str], connections: int, seconds: float) -> dict:
    """The wrk run's figures from Python client threads (when wrk is not installed)."""
    latencies, other = [], [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        k = n * 104729
        while time.perf_counter() < deadline:
            k += 7919
            i, body = body_for(k, f"p{n}")
            started = time.perf_counter()
            status, _ = request(conn, "POST", f"/api/v1/agencies/{codes[i % len(codes)]}"
                                "/deductions", token, body)
            with lock:
                if status == 201:
                    latencies.append(time.perf_counter() - started)
                else:
                    other[0] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(client, range(connections)))
    elapsed = time.perf_counter() - started
    p50, p99 = percentiles(latencies or [0])
    return {"requests": len(latencies) + other[0], "created": len(latencies),
            "other": other[0], "socket_errors": 0, "seconds": elapsed, "p50_ms": p50,
            "p99_ms": p99}


def ryw_sampler(token: str, codes: list[str], stop_at: threading.Event,
                every: float) -> dict:
    """Write, then read on the same connection until the write shows: the lag of each."""
    lags, first_get, written = [], 0, 0
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    k = 0
    while not stop_at.is_set():
        k += 1
        i, body = body_for(k * 31 + 5, "ryw")
        code = codes[i % len(codes)]
        status, data = request(conn, "POST", f"/api/v1/agencies/{code}/deductions", token, body)
        done = time.perf_counter()
        if status != 201:
            continue
        written += 1
        month = body["found_on"][:7]
        gets = 0
        while True:
            _, listing = request(conn, "GET", f"/api/v1/agencies/{code}/deductions?month={month}",
                                 token)
            gets += 1
            ids = {d["id"] for d in listing} if isinstance(listing, list) else set()
            if data["id"] in ids or time.perf_counter() - done > 10:
                break
        lags.append(time.perf_counter() - done)
        first_get += gets == 1 and data["id"] in ids
        stop_at.wait(every)
    lag50, lag99 = percentiles(lags or [0])
    return {"lag_p50_ms": lag50, "lag_p99_ms": lag99, "lag_samples": len(lags),
            "ryw_first_get": first_get, "ryw_writes": written}


def write_load(url: str, workers: int | None = None, threads: int = THREADS,
               connections: int = 8,
               seconds: float = 15.0, warmup: float = 3.0, agencies: int = 200,
               lag_every: float = 0.05, tool: str | None = None) -> dict:
    """Throughput and latency of accepted writes, and the read-your-writes lag."""
    tool = tool or ("wrk" if shutil.which("wrk") else "python")
    ceiling = client_ceiling(connections=connections, tool=tool)
    drop_stale_wal(url)
    token, codes = prepare(url, agencies)
    script = WRK_SCRIPT % {"codes": ", ".join(f'"{c}"' for c in codes),
                           "rules": ", ".join(f'"{r}"' for r in RULES),
                           "months": ", ".join(f'"{m}"' for m in MONTHS),
                           "token": token}
    workers = workers or default_workers(url)  # what `ledger serve` would choose
    server = serve(url, workers, threads)
    try:
        def load(duration: float) -> dict:
            if tool == "wrk":
                return wrk(script, connections, duration)
            return python_load(token, codes, connections, duration)

        load(warmup)
        stop_at = threading.Event()
        sampled: dict = {}
        sampler = threading.Thread(target=lambda: sampled.update(
            ryw_sampler(token, codes, stop_at, lag_every)))
        server_cpu = cpu_seconds(server.pid)
        client_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        sampler.start()
        try:
            result = load(seconds)
        finally:
            stop_at.set()
            sampler.join()
        server_cpu = cpu_seconds(server.pid) - server_cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        client_cpu = (after.ru_utime + after.ru_stime - client_cpu.ru_utime
                      - client_cpu.ru_stime) if tool == "wrk" else None
    finally:
        stop(server)
    writes = result["created"] + sampled.get("ryw_writes", 0)
    return {"workers": f"{workers} x {threads} threads" if threads > 1 else workers,
            "clients": f"{connections} ({tool})", "accepted": result["created"],
            "failed": result["other"] + result["socket_errors"], "seconds": result["seconds"],
            "writes_per_s": result["created"] / result["seconds"], "p50_ms": result["p50_ms"],
            "p99_ms": result["p99_ms"], **sampled,
            # CPU the server spent per accepted write (its reads for the sampler included):
            # what bounds throughput on a busy 2-core machine, and less noisy than writes/s.
            "server_cpu_ms_per_write": server_cpu * 1000 / max(1, writes),
            "client_cpu_s": client_cpu, "client_ceiling_per_s": ceiling["requests_per_s"]}


def client_ceiling(workers: int = 2, threads: int = THREADS, connections: int = 8,
                   seconds: float = 5.0, tool: str | None = None) -> dict:
    """Requests/s of the same client against a WSGI app that does nothing (see module doc)."""
    tool = tool or ("wrk" if shutil.which("wrk") else "python")
    server = serve("sqlite://", workers, threads, app="bench.http:trivial_app")
    try:
        if tool == "wrk":
            result = wrk(TRIVIAL_SCRIPT, connections, seconds)
        else:
            result = python_load("-", ["x"], connections, seconds)
            result["requests"] = result["created"]
    finally:
        stop(server)
    return {"tool": tool, "requests_per_s": result["requests"] / result["seconds"],
            "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"]}
