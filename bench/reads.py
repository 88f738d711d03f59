"""Read latency through ReadSide (what each GET route calls): p50/p99 per query."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date

from ledger.application import Ledger
from ledger.domain.errors import NotFound, RuleViolation
from ledger.domain.principals import Principal
from ledger.domain.scoring import month_bounds
from ledger.projections.queries.queries import AsOf, ReadSide

WRITER = Principal("bench.regulator", "regulator")  # records (and withdraws) the page-bench writes


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
    """Each query's (p50 ms, p99 ms, samples) on random agencies, then standings pages
    (`bench.pages.page_latencies`: random offsets, and the first page after each write).

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
    result.update(page_latencies(url, month, count=count, budget=budget))
    return result


def page_latencies(url: str, month: str, count: int = 200, writes: int = 25,
                   budget: float = 30.0, limit: int = 50) -> dict[str, tuple]:
    """(p50 ms, p99 ms, samples) of standings pages: random offsets, and page 1 after writes.

    Each write is a deduction recorded on a ranked agency and then withdrawn (two events added
    to the store; the month's scores end as they were). The read models are caught up to the
    write first, as the API's write does before answering, so the timed read is the one that
    brings the ranked month up to date.
    """
    ledger = Ledger(url=url)
    side = ReadSide(ledger)
    side.refresh()
    first = side.standings(month, limit=limit)
    total = first["total"]
    rng = random.Random(2)
    offset = lambda: rng.randrange(0, max(1, total - limit + 1))  # noqa: E731
    result = {}
    for label, basis in (("current", "current"), ("published", "published")):
        try:
            side.standings(month, basis, limit=limit)
        except NotFound:  # a month never published has no published pages
            continue
        samples, deadline = [], time.perf_counter() + budget
        while len(samples) < count and time.perf_counter() < deadline:
            at = offset()
            started = time.perf_counter()
            side.standings(month, basis, limit=limit, offset=at)
            samples.append(time.perf_counter() - started)
        result[f"standings page {limit} ({label}, random offset)"] = (
            *percentiles(samples), len(samples))
    codes = [r["agency"] for r in first["rows"]]
    day = min(month_bounds(month)[1], ledger.today())
    samples = []
    for _ in range(writes):
        try:  # an agency deregistered during the month takes no deduction on its last day
            recorded = ledger.record_deduction(WRITER, rng.choice(codes), "D15", day,
                                               "bench: page after a write")
        except RuleViolation:
            continue
        for write in (recorded, ledger.withdraw_deduction(WRITER, recorded.id, "bench")):
            side.wait_for(write.position)
            started = time.perf_counter()
            side.standings(month, limit=limit)
            samples.append(time.perf_counter() - started)
    if samples:
        result[f"standings page 1 after a write ({limit} rows)"] = (*percentiles(samples),
                                                                    len(samples))
    ledger.close()
    result.update(annual_latencies(url, int(month[:4]) - 1, writes=writes, limit=limit))
    return result


def annual_latencies(url: str, year: int, writes: int = 25, limit: int = 50) -> dict[str, tuple]:
    """(p50 ms, p99 ms, samples) of the year's annual standings (page 1 and the whole list)
    and of one agency's evaluation, each the first request after a write: a deduction found
    in that year on a ranked agency, then withdrawn (the read models caught up to the write
    first, as the API's write does)."""
    ledger = Ledger(url=url)
    side = ReadSide(ledger)
    side.refresh()
    codes = [r["agency"] for r in side.annual_standings(year)["rows"]]
    rng = random.Random(3)
    found = {"annual standings page 1 after a write": [],
             "annual standings (whole list) after a write": [],
             "evaluation after a write": []}
    day = date(year, 12, 15)
    for n in range(writes):
        code = rng.choice(codes)
        try:
            recorded = ledger.record_deduction(WRITER, code, "D15", day, "bench: annual")
        except RuleViolation:
            continue
        for write in (recorded, ledger.withdraw_deduction(WRITER, recorded.id, "bench")):
            side.wait_for(write.position)
            label, call = [
                ("annual standings page 1 after a write",
                 lambda: side.annual_standings(year, limit=limit)),
                ("annual standings (whole list) after a write",
                 lambda: side.annual_standings(year)),
                ("evaluation after a write", lambda: side.evaluation(code, year)),
            ][n % 3]
            started = time.perf_counter()
            call()
            found[label].append(time.perf_counter() - started)
    ledger.close()
    return {label: (*percentiles(samples), len(samples))
            for label, samples in found.items() if samples}
