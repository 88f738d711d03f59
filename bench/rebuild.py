"""One rebuild measurement in its own process: the decode floor, then full rebuilds.

`python -m bench.rebuild URL` prints one JSON line: events; seconds for the decode floor, for
each read model rebuilt alone in this process, and for all of them rebuilt side by side (one
process each, as `ledger rebuild` does); the peak RSS of this process (the models one after
the other) and of the largest side-by-side process.
"""

from __future__ import annotations

import json
import resource
import sys
import time

from ledger.application import Ledger
from ledger.projections.store.bulk import READ_CHUNK
from ledger.projections.store.parallel import rebuild_all
from ledger.projections.store.runner import NAMES, Projections


def decode_floor(runner: Projections) -> float:
    """Seconds to read every event in log order and decode it, as the rebuild does."""
    started, after = time.perf_counter(), 0
    with runner.engine.connect() as conn:
        while True:
            rows = runner.fetch(conn, after, READ_CHUNK)
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
    for name in NAMES:  # each alone, in this process
        started = time.perf_counter()
        runner.rebuild(name)
        times[name] = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    rebuild_all(url, NAMES)  # what `ledger rebuild` does: every model at once, a process each
    side_by_side = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"events": events, "floor": floor, "rebuild": times,
                      "side_by_side": side_by_side, "rss_mb": rss,
                      "rss_side_by_side_mb": children}))
    ledger.close()


if __name__ == "__main__":
    main(sys.argv[1])
