"""`ledger serve` killed with SIGKILL in the middle of a burst of writes loses no acknowledged
write, and after a restart the read models resume to what a clean rebuild gives."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from ledger.application import Ledger
from ledger.integrity.audit import audit
from ledger.projections.queries import ReadSide
from tests.api.conftest import A
from tests.serving import call, ledger_command, serve

THREADS, PER_THREAD, KILL_AFTER = 6, 40, 30


def burst(base: str, token: str, acknowledged: list[int], enough: threading.Event, n: int):
    """Rate agency A until the server stops answering; keep each acknowledged position."""
    for i in range(PER_THREAD):
        try:
            status, body = call(base, "POST", f"/api/v1/agencies/{A}/purchaser-ratings", token, {
                "rated_on": "2022-03-01", "purchaser": f"p{n}-{i}", "project_ref": f"P{n}-{i}",
                "rating": 80})
        except (OSError, ValueError):  # the server is gone (refused, reset, cut short)
            return
        if status == 201:
            acknowledged.append(body["position"])
            if len(acknowledged) >= KILL_AFTER:
                enough.set()


def test_acknowledged_writes_survive_sigkill_and_projections_resume(tmp_path, database_url):
    env = {**os.environ, "LEDGER_DATABASE_URL": database_url}
    token = ledger_command(env, "token", "create", "--role", "regulator", "--name",
                           "li.regulator").stdout.strip()
    served = serve(env, tmp_path / "serve.log", workers=3)
    acknowledged: list[int] = []
    enough = threading.Event()
    try:
        assert call(served.base, "POST", "/api/v1/agencies", token, {
            "credit_code": A, "name": "宣城敬亭招标代理有限公司",
            "registered_on": "2019-05-10"})[0] == 201
        with ThreadPoolExecutor(THREADS) as pool:
            for n in range(THREADS):
                pool.submit(burst, served.base, token, acknowledged, enough, n)
            enough.wait(timeout=120)
            served.kill()  # mid-burst: the other threads are still writing
    finally:
        served.stop()
    assert len(acknowledged) >= KILL_AFTER

    ledger = Ledger(url=database_url)
    try:
        with ledger.engine.connect() as conn:
            stored = set(conn.execute(sa.text("SELECT id FROM ledger_events")).scalars())
        assert set(acknowledged) <= stored
        ReadSide(ledger).refresh()  # what a restarted server does before answering
        report = audit(ledger)
        assert report.verified and report.projections_match is True, report.problems
    finally:
        ledger.close()

    restarted = serve(env, tmp_path / "serve.log", workers=1)
    try:
        status, events = call(restarted.base, "GET", f"/api/v1/agencies/{A}/events?limit=1000",
                              token)
    finally:
        restarted.stop()
    rated = {e["position"] for e in events if e["event"] == "PurchaserRatingRecorded"}
    assert status == 200 and set(acknowledged) <= rated
