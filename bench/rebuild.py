"""One rebuild measurement in its own process: the decode floor, then a full rebuild.

`python -m bench.rebuild URL` prints one JSON line: events, floor and rebuild seconds, peak RSS.
"""

from __future__ import annotations

import json
import resource
import sys
import time

from ledger.application import Ledger
from ledger.projections.bulk import READ_CHUNK
from ledger.projections.runner import NAMES, Projections

CHUNK = READ_CHUNK


def decode_floor(runner: Projections) -> float:
    """Seconds to read every event in log order and decode it, as the rebuild does."""
    started, after = time.perf_counter(), 0
    with runner.engine.connect() as conn:
        while True:
            rows = runner.fetch(conn, after, CHUNK)
            if not rows:
                break
            runner.decode(rows)
            after = rows[-1][0]
    return time.perf_counter() - started


def main(url: str) -> None:
    ledger = Ledger(url=url)
    runner = Projections(ledger)
    events = runner.head()
    floor = decode_floor(runner)
    times = {}
    for name in NAMES:
        started = time.perf_counter()
        runner.rebuild(name)
        times[name] = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"events": events, "floor": floor, "rebuild": times, "rss_mb": rss}))
    ledger.close()


if __name__ == "__main__":
    main(sys.argv[1])
