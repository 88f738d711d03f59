"""`ledger serve` killed with SIGKILL (master and every worker) in the middle of a burst of
concurrent writes: after a restart every write that was answered 201 is in the log exactly
once, as answered; a write that got no answer is there at most once, and a retry with its
Idempotency-Key answers it without recording it twice; `ledger verify` passes and the read
models, caught up to the head, equal a rebuild from the log."""

from __future__ import annotations

import http.client
import json
import os
import socket
import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent

from ledger.api.idempotency import keys_table
from ledger.application import Ledger
from ledger.domain.credit_code import check_character
from tests.api.conftest import A
from tests.serving import call, ledger_command, serve

THREADS, AGENCIES_PER_THREAD, DEDUCTIONS_PER_AGENCY = 6, 6, 3
KEYLESS = 2  # threads 0 and 1 send no Idempotency-Key; the others send one with every write
KILL_AFTER = 40  # 201 answers before the kill; each thread has ~40 writes to make in all


@dataclass
class Write:
    """One POST of the burst and what came back; status None: no answer (the server died)."""

    path: str
    body: dict
    key: str | None
    status: int | None = None
    answer: dict | None = None

    @property
    def content(self) -> tuple:
        """What identifies the write's event in the log, whoever recorded it."""
        if self.path == "/api/v1/agencies":
            return ("AgencyRegistered", self.body["credit_code"])
        if self.path.endswith("/deductions"):
            return ("DeductionRecorded", self.body["reason"])
        return ("PurchaserRatingRecorded", self.body["project_ref"])


def post(base: str, path: str, token: str, body: dict, key: str | None):
    """POST one write; (status, answer), or (None, None) when the server is gone."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}",
               **({"Idempotency-Key": key} if key else {})}
    request = urllib.request.Request(base + path, method="POST", headers=headers,
                                     data=json.dumps(body).encode())
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
    except (OSError, http.client.HTTPException, ValueError):  # refused, reset, cut short
        return None, None


def credit_code(thread: int, k: int) -> str:
    first17 = f"91341800{thread:02d}FAULT{k:02d}"
    return first17 + check_character(first17)


def plan(thread: int):
    """The thread's writes in order: an agency, its deductions and a rating of A (every
    thread rates the same agency), the next agency, ..."""
    for k in range(AGENCIES_PER_THREAD):
        code = credit_code(thread, k)
        yield Write("/api/v1/agencies", {"credit_code": code, "name": f"故障测试代理{thread}-{k}",
                                         "registered_on": "2019-05-10"}, None)
        for j in range(DEDUCTIONS_PER_AGENCY):
            tag = f"{thread}-{k}-{j}"
            yield Write(f"/api/v1/agencies/{code}/deductions", {
                "rule_code": "D01", "found_on": "2022-03-01", "reason": f"故障测试 {tag}"}, None)
            yield Write(f"/api/v1/agencies/{A}/purchaser-ratings", {
                "rated_on": "2022-03-01", "purchaser": f"采购人 {tag}", "project_ref": f"FT-{tag}",
                "rating": 80}, None)


class Burst:
    """THREADS writers; `enough` is set once KILL_AFTER writes have been answered 201."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token
        self.writes: list[Write] = []
        self.acknowledged = 0
        self.lock = threading.Lock()
        self.enough = threading.Event()

    def run(self, thread: int) -> None:
        for i, write in enumerate(plan(thread)):
            write.key = f"fault-{thread}-{i}" if thread >= KEYLESS else None
            self.writes.append(write)
            write.status, write.answer = post(self.base, write.path, self.token, write.body,
                                              write.key)
            if write.status != 201:
                return  # the server is gone (or refused: asserted below); stop writing
            with self.lock:
                self.acknowledged += 1
                if self.acknowledged >= KILL_AFTER:
                    self.enough.set()


def refused(base: str) -> bool:
    """Whether the port stops accepting connections: once every worker is gone (the kernel
    closes a killed process's sockets a moment after its parent has seen it die)."""
    host, port = base.removeprefix("http://").split(":")
    for _ in range(500):  # bounded: about five seconds
        try:
            socket.create_connection((host, int(port)), timeout=5).close()
        except ConnectionRefusedError:
            return True
        threading.Event().wait(0.01)
    return False


def logged_events(url: str) -> dict[int, object]:
    """Every event in the log by position, decoded by the ledger's own mapper."""
    ledger = Ledger(url=url)
    try:
        e = ledger.recorder.events_record_cls.__table__.c
        with ledger.engine.connect() as conn:
            rows = conn.execute(sa.select(e.id, e.originator_id, e.originator_version, e.topic,
                                          e.state).order_by(e.id)).all()
        return {r.id: ledger.mapper.to_domain_event(StoredEvent(
            originator_id=r.originator_id, originator_version=r.originator_version,
            topic=r.topic, state=bytes(r.state))) for r in rows}
    finally:
        ledger.close()


def content(event) -> tuple:
    name = type(event).__qualname__.split(".")[-1]
    value = {"AgencyRegistered": "credit_code", "DeductionRecorded": "reason",
             "PurchaserRatingRecorded": "project_ref"}.get(name)
    return (name, getattr(event, value) if value else str(event.originator_id))


def retry_unanswered(base: str, token: str, database_url: str, writes: list[Write]) -> None:
    """Repeat each unanswered write that had an Idempotency-Key, as a client would.

    At once, a key its dead request had claimed is 409 (the claim's lease has not run out);
    once the lease has run out (aged here instead of waiting 120 s) every retry is 201: the
    dead request's recorded write (`complete: false`) or, if it recorded nothing, a new one.
    """
    pending = [w for w in writes if w.status is None and w.key]
    pending.sort(key=lambda w: w.path != "/api/v1/agencies")  # an agency before its deductions
    first = {id(w): post(base, w.path, token, w.body, w.key) for w in pending}
    for w in pending:
        status, answer = first[id(w)]
        assert status in (201, 409), (w, status, answer)
        if status == 409:
            assert "still running" in answer["message"]
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.update(keys_table).where(keys_table.c.status.is_(None))
                         .values(created_at=datetime.now(UTC) - timedelta(days=1)))
    finally:
        engine.dispose()
    for w in pending:
        w.status, w.answer = post(base, w.path, token, w.body, w.key)
        assert w.status == 201, (w.body, w.answer)
        if first[id(w)][0] == 201:
            assert w.answer == first[id(w)][1]  # a repeat replays the first answer
        again = post(base, w.path, token, w.body, w.key)
        assert again == (201, w.answer)


def caught_up(base: str, token: str, head: int) -> list[dict]:
    """The read models' status once each has applied the whole log (reads catch them up)."""
    for _ in range(200):  # bounded: about a minute
        call(base, "GET", "/api/v1/standings?month=2022-03", token)
        call(base, "GET", f"/api/v1/agencies/{A}/events?limit=1", token)
        status, models = call(base, "GET", "/api/v1/projections", token)
        assert status == 200, models
        if all(m["position"] == head for m in models):
            return models
        threading.Event().wait(0.3)
    raise AssertionError(f"the read models did not reach position {head}: {models}")


def test_sigkill_mid_burst_loses_no_acknowledged_write_and_records_none_twice(
        tmp_path, database_url):
    env = {**os.environ, "LEDGER_DATABASE_URL": database_url}
    token = ledger_command(env, "token", "create", "--role", "regulator", "--name",
                           "li.regulator").stdout.strip()
    served = serve(env, tmp_path / "serve.log", workers=3)
    try:
        assert call(served.base, "POST", "/api/v1/agencies", token, {
            "credit_code": A, "name": "宣城敬亭招标代理有限公司",
            "registered_on": "2019-05-10"})[0] == 201
        burst = Burst(served.base, token)
        with ThreadPoolExecutor(THREADS) as pool:
            for n in range(THREADS):
                pool.submit(burst.run, n)
            assert burst.enough.wait(timeout=120), "the burst never got going"
            served.kill()  # mid-burst: the other threads are still writing
            assert refused(served.base)  # no worker survived to keep the port
    finally:
        served.stop()
    writes = burst.writes
    answered = [w for w in writes if w.status is not None]
    assert all(w.status == 201 for w in answered), [(w.status, w.answer) for w in answered
                                                   if w.status != 201]
    assert len(answered) >= KILL_AFTER
    assert any(w.status is None for w in writes)  # the kill cut writes off

    restarted = serve(env, tmp_path / "serve.log", workers=2)
    try:
        retry_unanswered(restarted.base, token, database_url, writes)
        log = logged_events(database_url)
        head = max(log)
        models = caught_up(restarted.base, token, head)
        listed = Counter()
        for code in {w.body["credit_code"] for w in writes
                     if w.path == "/api/v1/agencies" and w.status == 201}:
            status, rows = call(restarted.base, "GET",
                                f"/api/v1/agencies/{code}/deductions?limit=1000", token)
            assert status == 200, rows
            listed.update(row["id"] for row in rows)
        status, events = call(restarted.base, "GET", f"/api/v1/agencies/{A}/events?limit=1000",
                              token)
        assert status == 200, events
    finally:
        restarted.stop()

    acknowledged = [w for w in writes if w.status == 201]
    positions = [w.answer["position"] for w in acknowledged]
    assert len(set(positions)) == len(positions)
    for w in acknowledged:  # present, at the position answered, as answered
        event = log[w.answer["position"]]
        assert content(event) == w.content, (w.body, w.answer)
        if w.path.endswith("/deductions"):
            assert str(event.originator_id) == w.answer["id"]
    in_log = Counter(content(event) for event in log.values())
    attempted = {w.content for w in writes} | {("AgencyRegistered", A)}
    assert set(in_log) <= attempted  # nothing recorded that no one asked for
    assert all(in_log[w.content] == 1 for w in acknowledged)  # exactly once
    assert max(in_log.values()) == 1  # and no unanswered write twice either
    recorded_deductions = {str(event.originator_id) for event in log.values()
                           if content(event)[0] == "DeductionRecorded"}
    assert listed == Counter(recorded_deductions)  # the read side lists each once
    rated = [e["position"] for e in events if e["event"] == "PurchaserRatingRecorded"]
    assert rated == [p for p, event in log.items()
                     if content(event)[0] == "PurchaserRatingRecorded"]

    assert [m["lag"] for m in models] == [0] * len(models)
    verified = ledger_command(env, "verify", "--json", check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report = json.loads(verified.stdout)
    assert report["verified"] and report["projections_match"] is True, report["problems"]
    assert report["events"] == len(log)
