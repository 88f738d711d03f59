"""`ledger rebuild` killed with SIGKILL part-way, then run again, equals a clean rebuild."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import sqlalchemy as sa

from ledger.application import Ledger
from ledger.integrity.audit import audit
from tests.serving import ledger_command


def building(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM rm_projection "
                                    "WHERE status = 'building'")).scalar() > 0


def test_a_rebuild_killed_part_way_resumes_to_a_clean_rebuild(tmp_path, database_url):
    env = {**os.environ, "LEDGER_DATABASE_URL": database_url}
    ledger_command(env, "demo", "--agencies", "60", "--years", "2")
    ledger = Ledger(url=database_url)
    try:
        process = subprocess.Popen([sys.executable, "-m", "ledger.cli", "rebuild"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(3000):  # bounded: kill as soon as a generation is being built
            if process.poll() is not None or building(ledger.engine):
                break
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL  # it was killed, not finished
        ledger_command(env, "rebuild")  # resumes a half-built generation
        assert not building(ledger.engine)
        report = audit(ledger)
        assert report.verified and report.projections_match is True, report.problems
    finally:
        ledger.close()
