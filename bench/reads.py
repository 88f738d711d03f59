"""Read latency through ReadSide (what each GET route calls): p50/p99 per query."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date

from ledger.application import Ledger
from ledger.projections.queries import AsOf, ReadSide


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p99) in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


def timed(call: Callable[[], object], count: int, budget: float) -> tuple[float, float, int]:
    samples, deadline = [], time.perf_counter() + budget
    while len(samples) < count and time.perf_counter() < deadline:
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return (*percentiles(samples), len(samples))


def read_latencies(url: str, since: date, count: int = 200,
                   budget: float = 30.0) -> dict[str, tuple]:
    """Each query's (p50 ms, p99 ms, samples) on random agencies.

    As-of queries ask about agencies registered before the history began (`since`), which
    the demo records first, so they exist at every asked position.
    """
    ledger = Ledger(url=url)
    side = ReadSide(ledger)
    side.refresh()
    head = side.runner.head()
    standings = side.standings()
    month = standings["month"]
    year = int(month[:4]) - 1
    codes = [r["agency"] for r in standings["rows"]]
    rng = random.Random(1)
    pick = lambda: rng.choice(codes)  # noqa: E731
    early = [c for c in codes if side.agency(c)["registered_on"] < since]
    pick_early = lambda: rng.choice(early)  # noqa: E731
    queries = {
        "standings (current)": lambda: side.standings(month),
        "standings (published)": lambda: side.standings(month, basis="published"),
        "month": lambda: side.month(pick(), month),
        "evaluation": lambda: side.evaluation(pick(), year),
        "trail": lambda: side.trail(pick(), month),
        "annual standings": lambda: side.annual_standings(year),
    }
    for label, position in (("start", head // 10), ("middle", head // 2), ("end", head)):
        at = AsOf(position=position)
        queries[f"as-of month ({label})"] = lambda at=at: side.month(pick_early(), month, as_of=at)
    at = AsOf(position=head // 2)
    queries["as-of evaluation (middle)"] = lambda: side.evaluation(pick_early(), year, as_of=at)
    queries["as-of trail (middle)"] = lambda: side.trail(pick_early(), month, as_of=at)
    result = {}
    for label, call in queries.items():
        heavy = "annual" in label
        result[label] = timed(call, 10 if heavy else count, budget)
    ledger.close()
    return result
