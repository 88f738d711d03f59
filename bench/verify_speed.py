"""Print how many events per second `verify` checks on a generated log of N events.

    python bench/verify_speed.py --events 100000 [--url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Without --url the log goes to a fresh SQLite file in a temporary folder. A given --url must
point at an empty database: the script writes N events into it.
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
from ledger.integrity.verify import verify

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
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
