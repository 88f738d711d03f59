"""Helpers for read-side tests: a whole-ledger snapshot of every figure, for comparisons."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ledger.projections.queries.queries import AsOf, ReadSide
from ledger.projections.store.bulk import AssessmentsRebuild
from ledger.projections.store.runner import ASSESSMENTS
from ledger.projections.model.views import year_months


def plain(value: Any) -> Any:
    """Numbers as floats, for comparison with the example's JSON."""
    return float(value) if isinstance(value, Decimal) else value


def ranking(rows: list[dict]) -> list[dict]:
    return [{"rank": r["rank"], "agency": r["agency"], "score": plain(r["score"])} for r in rows]


def snapshot(read_side: ReadSide, codes: list[str], years: list[int],
             as_of: AsOf | None = None) -> dict:
    """Every month, evaluation, trail, standing and statistic the read side gives."""
    result: dict[str, Any] = {}
    for code in codes:
        for year in years:
            result[f"evaluation {code} {year}"] = read_side.evaluation(code, year, as_of)
            for month in year_months(year):
                result[f"month {code} {month}"] = read_side.month(code, month, as_of)
                trail = read_side.trail(code, month, as_of)
                result[f"trail {code} {month}"] = trail
        result[f"deductions {code}"] = read_side.deductions(code, as_of=as_of)
    for year in years:
        result[f"annual {year}"] = read_side.annual_standings(year, as_of)
        result[f"training {year}"] = read_side.training_statistics(year, as_of)
        for month in year_months(year):
            result[f"standings {month}"] = read_side.standings(month, as_of=as_of)
    result["disputes"] = read_side.disputes(as_of=as_of)
    return result


def rebuild_killed_at_checkpoint(runner: Any, after: int, shard: int | None = None) -> None:
    """`runner.rebuild(ASSESSMENTS)`, killed (KeyboardInterrupt) at the checkpoint after
    `after` of them have been written: the pass of shard index `shard`'s, or any pass's."""
    original = AssessmentsRebuild._checkpoint
    calls = {"n": 0}

    def dying_checkpoint(self, *args):
        if shard is None or (self.shard is not None and self.shard.index == shard):
            calls["n"] += 1
            if calls["n"] > after:
                raise KeyboardInterrupt("killed")
        return original(self, *args)
    AssessmentsRebuild._checkpoint = dying_checkpoint
    try:
        with pytest.raises(KeyboardInterrupt):
            runner.rebuild(ASSESSMENTS)
    finally:
        AssessmentsRebuild._checkpoint = original
