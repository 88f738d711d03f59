"""As-of read latencies on one store, from history rows and (`--fold`) by folding the log.

`python -m bench.asof URL [--fold] [--count N]`: prints p50 / p99 ms of as-of months, trails and
deductions at 10 %, 50 % and 100 % of the log and of as-of month standings, with the current
month and trail as a reference. `--fold` answers as a generation built before history rows
does (docs/READ_SIDE.md, "As of"), on the same store: the figures before history rows.
"""

from __future__ import annotations

import argparse
import random
from datetime import date

from bench.reads import timed
from ledger.application import Ledger
from ledger.projections.queries.queries import AsOf, ReadSide


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--fold", action="store_true")
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    ledger = Ledger(url=args.url)
    side = ReadSide(ledger)
    side.refresh()
    head, gen = side.runner.head(), side._gen()
    if args.fold:
        side._held[gen] = frozenset()  # holds no history: every as-of answer folds
    codes = [a["credit_code"] for a in side.agencies() if a["registered_on"] < date(2024, 1, 1)]
    rng = random.Random(1)
    pick = lambda: rng.choice(codes)  # noqa: E731
    month = side.standings()["month"]
    queries = {"month (current, reference)": lambda: side.month(pick(), month),
               "trail (current, reference)": lambda: side.trail(pick(), month)}
    for label, position, asked in (("10%", head // 10, "2024-03"), ("50%", head // 2, "2025-05"),
                                   ("100%", head, month)):
        at = AsOf(position=position)
        queries[f"as-of month ({label})"] = lambda at=at, m=asked: side.month(pick(), m, as_of=at)
        queries[f"as-of trail ({label})"] = lambda at=at, m=asked: side.trail(pick(), m, as_of=at)
        queries[f"as-of deductions ({label})"] = lambda at=at: side.deductions(pick(), as_of=at)
    at = AsOf(position=head // 2)
    queries["as-of standings (50%)"] = lambda: side.standings("2025-05", as_of=at)
    print(f"{args.url}: {head:,} events, {'folding' if args.fold else 'history rows'}")
    for label, call in queries.items():
        p50, p99, n = timed(call, 20 if "standings" in label else args.count, 30.0)
        print(f"| {label} | {p50:.1f} / {p99:.1f} (n={n}) |", flush=True)
    ledger.close()


if __name__ == "__main__":
    main()
