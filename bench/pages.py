"""A quick synthetic nation-size store for timing standings pages (`reads.page_latencies`).

`python -m bench.pages URL [--agencies 20000]` fills an empty store with agencies (a few
registered late or deregistered), 0-4 deductions each in 2024-01..06 (some rectified on time, so
scores have halves), publishes 2024-03, projects it all, then prints page latencies. A minute
instead of the demo history's half hour at nation scale; it is not the benchmark's demo store.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import date, timedelta

from bench.reads import page_latencies
from ledger.application import Ledger
from ledger.demo.people import agency_name, credit_code
from ledger.domain.principals import Principal
from ledger.projections.queries.queries import ReadSide

REGULATOR = Principal("bench.regulator", "regulator")  # records the synthetic history
MONTH = "2024-03"
CODES = [f"D{n:02d}" for n in range(1, 18)]
RECTIFIABLE = {"D01", "D02", "D03", "D04", "D06", "D08", "D09", "D11", "D13", "D14", "D15", "D16"}


def build(url: str, agencies: int = 20000, seed: int = 1, log=print) -> int:
    """Record the synthetic history; returns the number of events."""
    ledger, rng, taken = Ledger(url=url), random.Random(seed), set()
    plan = []
    for serial in range(agencies):
        code = credit_code(rng, taken)
        late = rng.random() < 0.02
        registered = date(2024, 3, 20) if late else date(2020, 1, 1)
        gone = date(2024, 2, 10) if not late and rng.random() < 0.02 else None
        plan.append((code, agency_name(rng, serial), registered, gone))
    started, done = time.perf_counter(), 0
    for chunk in range(0, agencies, 1000):
        with ledger.batch():
            for code, name, registered, gone in plan[chunk:chunk + 1000]:
                ledger.register_agency(REGULATOR, code, name, registered)
                last = gone or date(2024, 6, 28)
                for _ in range(rng.choice((0, 0, 1, 1, 2, 3, 4))):
                    found = date(2024, rng.randint(1, 6), rng.randint(1, 28))
                    if not registered <= found <= last:
                        continue
                    rule = rng.choice(CODES)
                    recorded = ledger.record_deduction(REGULATOR, code, rule, found, "synthetic")
                    if rule in RECTIFIABLE and rng.random() < 0.5:
                        ledger.record_rectification(REGULATOR, recorded.id,
                                                    found + timedelta(days=2))
                if gone:
                    ledger.deregister_agency(REGULATOR, code, gone)
        done = min(agencies, chunk + 1000)
        log(f"{done} agencies, {time.perf_counter() - started:.0f} s")
    ledger.publish_month(REGULATOR, MONTH, date(2024, 4, 5))
    events = ledger.recorder.max_notification_id()
    log(f"{events} events recorded in {time.perf_counter() - started:.0f} s; projecting ...")
    started = time.perf_counter()
    ReadSide(ledger).refresh()
    log(f"projected in {time.perf_counter() - started:.0f} s")
    ledger.close()
    return events


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--agencies", type=int, default=20000)
    parser.add_argument("--no-build", action="store_true", help="time an existing store")
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args(argv)
    if not args.no_build:
        build(args.url, args.agencies)
    for label, (p50, p99, n) in page_latencies(args.url, MONTH, args.count).items():
        print(json.dumps({"read": label, "p50_ms": round(p50, 1), "p99_ms": round(p99, 1),
                          "n": n}))


if __name__ == "__main__":
    main()
