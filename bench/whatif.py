"""`python -m bench.whatif [--scale province] [--backend sqlite] [--runs 3]`: the what-if preview.

Times `ReadSide.what_if_standings` (what `POST /api/v1/what-if/standings` calls) on a scale's demo
store (generated once by bench.datasets and reused; its read models are caught up first, untimed),
for one year and for one month of it, with a draft that changes the points and the class of a few
items from that year on. Prints each run's seconds (wall and CPU of this process: on a shared
machine the CPU time is what the code costs), the log's size and how many agencies the draft
moves; then (unless --skip-fold) the time of folding the whole log with and without the draft
(`whatif.fold_with_and_without`, the reference the served path is tested against) and whether
both give the same rows.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from datetime import date

from bench import datasets
from ledger.application import Ledger
from ledger.domain.catalogue import draft_version
from ledger.projections.queries.queries import ReadSide
from ledger.projections.queries.whatif import apply_draft, fold_with_and_without, what_if_rows

# Points up on two common items, D05 no longer serious, D01 made serious and not rectifiable.
ITEMS = [
    {"code": "D01", "points": 3, "serious": True, "rectifiable": False},
    {"code": "D02", "points": 4, "serious": False, "rectifiable": True},
    {"code": "D05", "points": 5, "serious": False, "rectifiable": True},
    {"code": "D11", "points": 1.5, "serious": False, "rectifiable": True},
]


def run(url: str, year: int, runs: int, fold: bool) -> dict:
    ledger = Ledger(url=url)
    side = ReadSide(ledger, today=lambda: datasets.UNTIL)
    started = time.perf_counter()
    side.refresh()
    results: dict = {"events": side.runner.head(), "refresh": time.perf_counter() - started}
    draft = draft_version(date(year, 1, 1), ITEMS)
    month = f"{year}-06"
    for label, kwargs in (("year", {"year": year}), ("month", {"month": month})):
        seconds, cpu, answer = [], [], None
        for _ in range(runs):
            started, used = time.perf_counter(), time.process_time()
            answer = side.what_if_standings(draft, **kwargs)
            seconds.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
        assert answer is not None
        rows = answer["rows"]
        results[label] = {"asked": kwargs, "seconds": seconds, "position": answer["position"],
                          "rows_served": rows,
                          "median": statistics.median(seconds), "rows": len(rows),
                          "cpu": statistics.median(cpu),
                          "moved": sum(1 for r in rows if r["delta"] != 0),
                          "rank_changed": sum(1 for r in rows if r["rank"] != r["current_rank"])}
    if fold:
        started, used = time.perf_counter(), time.process_time()
        drafted, current = fold_with_and_without(side.runner, draft, results["year"]["position"])
        results["fold"] = time.perf_counter() - started
        results["fold_cpu"] = time.process_time() - used
        rows = what_if_rows(list(current.agencies.values()), draft, None, year, datasets.UNTIL)
        for agency in current.agencies.values():  # those not ranked in the year too
            apply_draft(agency, draft)
        results["same"] = rows == results["year"]["rows_served"] \
            and drafted.agencies == current.agencies
    results["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    side.close()
    ledger.close()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.whatif", description=__doc__)
    parser.add_argument("--scale", default="province", choices=list(datasets.SCALES))
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-fold", action="store_true",
                        help="do not time the fold of the whole log (~30 s at province scale)")
    parser.add_argument("--year", type=int, default=datasets.UNTIL.year - 1,
                        help="the year asked (default: the last whole year of the demo)")
    args = parser.parse_args(argv)
    url, generated = datasets.dataset(args.backend, args.scale,
                                      log=lambda m: print(m, flush=True))
    print(f"{args.scale}/{args.backend}: {generated['events']:,} events generated; "
          f"what-if of {args.year} and of {args.year}-06, {args.runs} runs each ...", flush=True)
    results = run(url, args.year, args.runs, not args.skip_fold)
    print(f"read models caught up in {results['refresh']:.1f} s (untimed below)")
    for label in ("year", "month"):
        r = results[label]
        runs = ", ".join(f"{s:.2f}" for s in r["seconds"])
        print(f"what-if {label} {r['asked']}: median {r['median']:.2f} s (runs {runs}; "
              f"CPU {r['cpu']:.2f} s) over "
              f"{results['events']:,} events; {r['rows']} rows, {r['moved']} scores moved, "
              f"{r['rank_changed']} ranks changed")
    if "fold" in results:
        print(f"reference: the whole log folded with and without the draft in "
              f"{results['fold']:.1f} s (CPU {results['fold_cpu']:.1f} s); "
              f"same states and rows as served: {results['same']}")
    print(f"peak RSS {results['rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
