"""Print how many events per second `verify` checks on a generated log of N events.

    python bench/verify_speed.py --events 100000 [--url postgresql+psycopg://postgres@127.0.0.1:5432/test]
    python bench/verify_speed.py --existing --url URL   # e.g. after `ledger demo --agencies 500`

Without --url the log goes to a fresh SQLite file in a temporary folder. A given --url must
point at an empty database: the script writes N events into it. With --existing it writes
nothing and times both the chain alone and the whole check (chain plus the read models
rebuilt in memory and compared with the stored ones, caught up first).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from eventsourcing.persistence import StoredEvent

from ledger.application import Ledger
from ledger.integrity.audit import audit
from ledger.integrity.verify import verify
from ledger.projections.store.runner import Projections

TOPIC = "ledger.domain.training:TrainingSession.TrainingSessionHeld"


def event(i: int) -> StoredEvent:
    """A stored event shaped like the ledger's own (timestamp, recorded_by, a few fields)."""
    state = {"timestamp": {"_type_": "datetime_iso",
                           "_data_": datetime.now(timezone.utc).isoformat()},
             "originator_topic": "ledger.domain.training:TrainingSession",
             "recorded_by": "li.regulator", "kind": "online",
             "held_on": {"_type_": "date_iso", "_data_": "2023-01-05"},
             "topic": f"Procurement law refresher {i}",
             "hours": {"_type_": "decimal_str", "_data_": "1.5"}}
    return StoredEvent(uuid.uuid4(), 1, TOPIC, json.dumps(state, separators=(",", ":")).encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--url", default=None)
    parser.add_argument("--write-batch", type=int, default=1000)
    parser.add_argument("--existing", action="store_true", help="time the log at --url as is")
    args = parser.parse_args()
    if args.existing:
        return existing(args.url)
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    ledger = Ledger(url=url)
    try:
        for start in range(0, args.events, args.write_batch):
            count = min(args.write_batch, args.events - start)
            ledger.recorder.insert_events([event(start + i) for i in range(count)])
        began = time.perf_counter()
        report = verify(ledger.engine)
        seconds = time.perf_counter() - began
    finally:
        ledger.close()
    assert report.verified and report.events == args.events, report.problems[:3]
    print(f"{ledger.engine.dialect.name}: verified {report.events} events in {seconds:.2f} s "
          f"= {report.events / seconds:,.0f} events/s")


def existing(url: str) -> None:
    """Time verify (chain) and audit (chain and read models) on an existing ledger."""
    ledger = Ledger(url=url)
    try:
        Projections(ledger).catch_up()
        began = time.perf_counter()
        chain = verify(ledger.engine)
        middle = time.perf_counter()
        full = audit(ledger)
        ended = time.perf_counter()
    finally:
        ledger.close()
    assert full.verified and full.projections_match, full.problems[:3]
    name, n = ledger.engine.dialect.name, chain.events
    print(f"{name}: chain of {n} events in {middle - began:.2f} s = "
          f"{n / (middle - began):,.0f} events/s")
    print(f"{name}: chain and read models in {ended - middle:.2f} s = "
          f"{n / (ended - middle):,.0f} events/s")


if __name__ == "__main__":
    main()
