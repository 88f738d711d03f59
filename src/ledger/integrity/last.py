"""The last verification, stored: what `GET /api/v1/integrity` answers without verifying.

A full check (the chain, then the read models rebuilt and compared) reads every event and
costs seconds per ten thousand; run inside requests, eight concurrent calls stalled public
reads for half a minute. So the check runs outside requests — by `ledger verify`, or in one
background thread of the server — and its result is stored with when it finished and up to
which log position it reached. The route answers the latest stored result at once and, when
that result is behind the log or older than `max_age`, starts one background verification.

One at a time across every worker and host on the store: a run first claims a lease (a single
row updated atomically), released when it ends; a crashed run's lease lapses after `LEASE`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ledger.integrity.verify import Report
from ledger.storage import ensure_tables, metadata

log = logging.getLogger(__name__)
LEASE = 3600.0  # seconds: a verification that has not finished by then is taken to have died
MAX_AGE = 600.0  # seconds: an older result is verified again on the next request

results_table = sa.Table(
    "ledger_integrity_results", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("by", sa.String(40), nullable=False),  # 'ledger verify' or 'server'
    sa.Column("events", sa.BigInteger, nullable=False),
    sa.Column("head", sa.String(64), nullable=True),
    sa.Column("head_position", sa.BigInteger, nullable=True),
    sa.Column("head_seq", sa.BigInteger, nullable=True),
    sa.Column("verified", sa.Boolean, nullable=False),
    sa.Column("first_damaged_position", sa.BigInteger, nullable=True),
    sa.Column("projections_match", sa.Boolean, nullable=True),
    sa.Column("problems", sa.Text, nullable=False),  # JSON list of {position, kind, detail}
    sa.Column("checked", sa.Text, nullable=False),
)
lease_table = sa.Table(
    "ledger_integrity_lease", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("holder", sa.String(64), nullable=False),
    sa.Column("until", sa.Float, nullable=False),  # seconds since the epoch
)


def utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def store_result(engine: sa.Engine, report: Report, started_at: datetime, by: str) -> None:
    """Keep a finished verification's report."""
    ensure_tables(engine, results_table)
    with engine.begin() as conn:
        conn.execute(sa.insert(results_table).values(
            started_at=started_at, finished_at=datetime.now(UTC), by=by, events=report.events,
            head=report.head, head_position=report.last_position, head_seq=report.last_seq,
            verified=report.verified, first_damaged_position=report.first_damaged_position,
            projections_match=report.projections_match,
            problems=json.dumps([asdict(p) for p in report.problems], ensure_ascii=False),
            checked=report.checked))


def latest_result(engine: sa.Engine) -> dict | None:
    """The most recently finished verification, as the integrity route answers it."""
    c = results_table.c
    with engine.connect() as conn:
        row = conn.execute(sa.select(results_table).order_by(c.finished_at.desc(), c.id.desc())
                           .limit(1)).first()
    if row is None:
        return None
    return {"events": row.events, "head": row.head, "head_position": row.head_position,
            "head_seq": row.head_seq, "verified": row.verified,
            "first_damaged_position": row.first_damaged_position,
            "projections_match": row.projections_match, "problems": json.loads(row.problems),
            "checked": row.checked, "verified_at": utc(row.finished_at),
            "verification_started_at": utc(row.started_at), "verified_by": row.by,
            "verified_up_to": row.head_position}


class Lease:
    """The right to run the one verification of the store, claimed with one atomic UPDATE."""

    def __init__(self, engine: sa.Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine, self.clock = engine, clock
        self.holder = uuid.uuid4().hex

    def claim(self, seconds: float = LEASE) -> bool:
        now, c = self.clock(), lease_table.c
        with self.engine.begin() as conn:
            if conn.execute(sa.update(lease_table).where(c.id == 1, c.until < now)
                            .values(holder=self.holder, until=now + seconds)).rowcount:
                return True
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.insert(lease_table).values(id=1, holder=self.holder,
                                                           until=now + seconds))
            return True
        except IntegrityError:
            return False  # held by another run

    def release(self) -> None:
        c = lease_table.c
        with self.engine.begin() as conn:
            conn.execute(sa.update(lease_table).where(c.id == 1, c.holder == self.holder)
                         .values(until=0.0))

    def held(self) -> bool:
        """Whether some run (here or elsewhere) holds the lease now."""
        with self.engine.connect() as conn:
            until = conn.execute(sa.select(lease_table.c.until)).scalar()
        return until is not None and until >= self.clock()


class Verifications:
    """The server's side: the stored result, and one background verification when it is due."""

    def __init__(self, ledger: Any, read_side: Any, max_age: float = MAX_AGE,
                 run: Callable[[Any], Report] | None = None) -> None:
        self.ledger, self.read_side, self.max_age = ledger, read_side, max_age
        self.engine = ledger.engine
        ensure_tables(self.engine, results_table, lease_table)
        self.lease = Lease(self.engine)
        self._run = run
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def report(self) -> dict:
        """The last stored result (never computed here), with how current it is."""
        found = latest_result(self.engine)
        head = self.ledger.recorder.max_notification_id() or 0
        if found is None or (found["verified_up_to"] or 0) < head or (
                datetime.now(UTC) - found["verified_at"]).total_seconds() > self.max_age:
            self.start()
        if found is None:
            found = {"events": None, "head": None, "head_position": None, "head_seq": None,
                     "verified": None, "first_damaged_position": None,
                     "projections_match": None, "problems": [], "verified_at": None,
                     "verification_started_at": None, "verified_by": None,
                     "verified_up_to": None,
                     "checked": "nothing yet: the first verification is running; ask again "
                                "shortly"}
        return {**found, "log_head_position": head, "verifying": self.running()}

    def running(self) -> bool:
        return (self._thread is not None and self._thread.is_alive()) or self.lease.held()

    def start(self) -> bool:
        """Start a background verification unless one is running anywhere; True if started."""
        with self._start_lock:
            if self._thread is not None and self._thread.is_alive():
                return False
            # Read before claiming: while another worker verifies, calls cost no write.
            if self.lease.held() or not self.lease.claim():
                return False
            self._thread = threading.Thread(target=self._verify, name="ledger-verify",
                                            daemon=True)
            self._thread.start()
            return True

    def wait(self, timeout: float | None = None) -> None:
        """Until this process's background verification (if any) has finished (for tests)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _verify(self) -> None:
        started = datetime.now(UTC)
        try:
            report = self._run(self.ledger) if self._run else self._full_check()
            store_result(self.engine, report, started, "server")
        except Exception:  # noqa: BLE001 - logged; the next request starts another
            log.exception("the background verification failed")
        finally:
            try:
                self.lease.release()
            except Exception:  # noqa: BLE001 - the lease lapses by itself
                log.exception("could not release the verification lease")

    def _full_check(self) -> Report:
        from ledger.integrity.audit import audit

        self.read_side.refresh()  # compare the read models as far as the log goes
        return audit(self.ledger)
