"""CPU cost of one read model's rebuild, in its own process: `python -m bench.rebuild_cpu URL
[NAME] [--profile FILE]`.

Prints one JSON line: events; CPU seconds (`time.process_time`) of the decode floor (reading
and decoding every event as the rebuild does) and of the rebuild of NAME (default
`assessments`) alone; events per CPU second of each, their ratio, wall seconds, and the peak
RSS of the process. CPU time, not wall time, so that runs on a machine shared with other work
can be compared (docs/PERFORMANCE.md). `--profile FILE` writes a cProfile of the rebuild.
"""

from __future__ import annotations

import cProfile
import json
import resource
import sys
import time

from bench.rebuild import decode_floor
from ledger.application import Ledger
from ledger.projections.store.runner import ASSESSMENTS, Projections


def main(argv: list[str]) -> None:
    profile_to = None
    if "--profile" in argv:
        at = argv.index("--profile")
        profile_to = argv[at + 1]
        argv = argv[:at] + argv[at + 2:]
    url, name = argv[0], (argv[1] if len(argv) > 1 else ASSESSMENTS)
    ledger = Ledger(url=url)
    runner = Projections(ledger)
    events = runner.head()
    started = time.process_time()
    decode_floor(runner)
    floor = time.process_time() - started
    profile = cProfile.Profile() if profile_to else None
    started, wall = time.process_time(), time.perf_counter()
    if profile is not None:
        profile.enable()
    runner.rebuild(name)
    if profile is not None:
        profile.disable()
        profile.dump_stats(profile_to)
    cpu, wall = time.process_time() - started, time.perf_counter() - wall
    print(json.dumps({
        "events": events, "floor_cpu_s": round(floor, 2),
        "floor_events_per_s": round(events / floor), "rebuild": name,
        "rebuild_cpu_s": round(cpu, 2), "rebuild_events_per_s": round(events / cpu),
        "of_floor": round(floor / cpu, 3), "rebuild_wall_s": round(wall, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
    ledger.close()


if __name__ == "__main__":
    main(sys.argv[1:])
