"""CPU and memory of one rebuild of `assessments` in K shards, in its own process:
`python -m bench.shard_rebuild URL K`.

Prints one JSON line: events; K; CPU seconds (`time.process_time`) of the whole rebuild (the
bulk part: the passes, mapping each shard's reads where the code does, freezing the
publications), of mapping the reads, and of each pass; the rows each pass fetched from the log;
and the peak RSS of the process (`ru_maxrss`). Works with the code before the shards read only
their own events too (no mapping then), so both can be run side by side on copies of one store.
"""

from __future__ import annotations

import json
import resource
import sys
import time

from ledger.application import Ledger
from ledger.projections.store import bulk
from ledger.projections.store.runner import ASSESSMENTS, Projections


def main(url: str, shards: int) -> None:
    ledger = Ledger(url=url)
    runner = Projections(ledger)
    events = runner.head()
    passes: list[dict] = []
    fetched = {"rows": 0}
    mapping = {"cpu_s": 0.0}

    def counting(fetch):
        def counted(*args, **kwargs):
            rows = fetch(*args, **kwargs)
            fetched["rows"] += len(rows)
            return rows
        return counted
    runner.fetch = counting(runner.fetch)
    reads = getattr(bulk, "ShardReads", None)
    if reads is not None:
        reads.fetch = staticmethod(counting(reads.fetch))
        write = reads.write

        def timed_write(self, end):
            started = time.process_time()
            write(self, end)
            mapping["cpu_s"] += time.process_time() - started
        reads.write = timed_write
    run = bulk.AssessmentsRebuild.run

    def timed_run(self):
        started, fetched["rows"] = time.process_time(), 0
        model = run(self)
        passes.append({"cpu_s": round(time.process_time() - started, 2),
                       "rows": fetched["rows"]})
        return model
    bulk.AssessmentsRebuild.run = timed_run
    total = {}

    def bulk_rebuild(gen, progress=None):
        inner = bulk.assessments_rebuild(runner, gen, progress, shards=shards)

        class Timed:
            def run(self):
                started = time.process_time()
                inner.run()
                total["cpu_s"] = time.process_time() - started
        return Timed()
    runner.bulk_rebuild = bulk_rebuild
    runner.rebuild(ASSESSMENTS)
    print(json.dumps({
        "events": events, "shards": shards, "rebuild_cpu_s": round(total["cpu_s"], 2),
        "events_per_cpu_s": round(events / total["cpu_s"]),
        "map_cpu_s": round(mapping["cpu_s"], 2), "passes": passes,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
    ledger.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
