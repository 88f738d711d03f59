"""`python -m bench [--scale province] [--backend sqlite --backend postgres] [--runs 3]`.

Prints the results and writes them into docs/PERFORMANCE.md between the bench markers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

from bench import datasets, imports, report
from bench.http import write_load
from bench.reads import read_latencies
from ledger.demo.plan import first_day


def rebuild_runs(url: str, runs: int) -> dict:
    """Median of `runs` rebuilds, each in a fresh process with its own decode floor."""
    results = []
    for _ in range(runs):
        # stderr goes straight to the terminal: a failed run shows its traceback.
        done = subprocess.run([sys.executable, "-m", "bench.rebuild", url],
                              stdout=subprocess.PIPE, text=True)
        if done.returncode:
            raise SystemExit(f"bench.rebuild {url} failed with exit status {done.returncode}"
                             " (its traceback is above)")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    events = results[0]["events"]
    floor = statistics.median(r["floor"] for r in results)
    total = statistics.median(sum(r["rebuild"].values()) for r in results)
    both = statistics.median(r["side_by_side"] for r in results)
    assess = statistics.median(r["rebuild"]["assessments"] for r in results)
    index = statistics.median(r["rebuild"]["event_index"] for r in results)
    return {"events": events, "floor_rate": events / floor, "rebuild_rate": events / both,
            "one_after_other_rate": events / total, "assessments_rate": events / assess,
            "event_index_rate": events / index, "ratio": floor / both,
            "assessments_ratio": floor / assess,
            "rss_mb": max(max(r["rss_mb"], r["rss_side_by_side_mb"]) for r in results),
            "runs": runs}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", action="append", choices=list(datasets.SCALES))
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--runs", type=int, default=None,
                        help="rebuild runs per scale and backend (default: 3, at nation scale 1)")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--out", default="docs/PERFORMANCE.md")
    args = parser.parse_args(argv)
    rows, imported, loaded = [], {}, {}
    for scale in args.scale or ["province"]:
        for backend in args.backend or ["sqlite", "postgres"]:
            url, generated = datasets.dataset(backend, scale, log=lambda m: print(m, flush=True))
            print(f"{scale}/{backend}: {generated['events']} events; rebuilding ...", flush=True)
            row = {"scale": scale, "backend": backend, "generated": generated,
                   "rebuild": rebuild_runs(url, args.runs or (1 if scale == "nation" else 3))}
            print(f"{scale}/{backend}: reads ...", flush=True)
            since = first_day(generated["years"], datasets.UNTIL)
            row["reads"] = read_latencies(url, since)
            if not args.skip_http and backend not in loaded:  # once per backend: a fresh store
                print(f"{scale}/{backend}: HTTP writes ...", flush=True)
                row["http"] = loaded[backend] = write_load(
                    datasets.fresh(backend, f"http_{backend}"))
            if not args.skip_import and backend not in imported:  # once per backend
                print(f"{backend}: bulk import of {imports.EVENTS:,} events ...", flush=True)
                row["import"] = imported[backend] = imports.import_rate(backend)
            rows.append(row)
            print(report.table([row]), flush=True)
            # Written after every row, so a long run that stops part-way keeps what it measured.
            report.write(args.out, report.table(rows))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
