"""Rebuilds: a new generation equals the incremental one, survives a crash, never blocks reads."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ledger.projections import tables as t
from ledger.projections.queries import ReadSide
from ledger.projections.runner import ASSESSMENTS, EVENT_INDEX, Projections
from tests.projections.support import snapshot
from tests.scenario import replay

CODES = ["91341800H9EH9J1GRF", "91341800NNDMLAR0UG", "91341800WQD9LLEHT2"]


@pytest.fixture
def replayed(ledger, scenario):
    replay(ledger, scenario)
    return ReadSide(ledger)


def test_rebuilt_projection_equals_the_incrementally_maintained_one(replayed):
    before = snapshot(replayed, CODES, [2022])
    old_gen = replayed.runner.active(ASSESSMENTS)[0]
    replayed.rebuild(ASSESSMENTS, wait=True)
    replayed.rebuild(EVENT_INDEX, wait=True)
    assert replayed.runner.active(ASSESSMENTS)[0] > old_gen
    assert snapshot(replayed, CODES, [2022]) == before


def test_retired_generation_rows_are_removed_after_the_switch(replayed):
    old_gen = replayed.runner.active(ASSESSMENTS)[0]
    replayed.rebuild(ASSESSMENTS, wait=True)
    with replayed.engine.connect() as conn:
        left = conn.execute(select(t.deduction.c.id).where(t.deduction.c.gen == old_gen)).all()
    assert left == []


def test_a_rebuild_killed_part_way_resumes_to_the_clean_result(replayed, ledger):
    clean = snapshot(replayed, CODES, [2022])
    runner = replayed.runner
    # Simulate a crash: a new generation is built for a few batches, then the process dies.
    crashed = Projections(ledger)
    original = crashed.process_batch
    calls = {"n": 0}

    def dying_batch(name, gen, limit=500):
        calls["n"] += 1
        if calls["n"] > 3:
            raise KeyboardInterrupt("killed")
        return original(name, gen, limit=7)
    crashed.process_batch = dying_batch
    with pytest.raises(KeyboardInterrupt):
        crashed.rebuild(ASSESSMENTS)
    status = {s["name"]: s for s in runner.status()}[ASSESSMENTS]
    assert status["status"] == "rebuilding" and 0 < status["rebuild_position"] < 52
    # Reads are still served by the current generation while the rebuild is unfinished.
    assert snapshot(replayed, CODES, [2022]) == clean
    # A fresh process resumes the half-built generation instead of starting again.
    resumed = Projections(ledger)
    gen = resumed.rebuild(ASSESSMENTS)
    assert resumed.active(ASSESSMENTS)[0] == gen
    assert snapshot(ReadSide(ledger), CODES, [2022]) == clean


def test_events_recorded_during_a_rebuild_reach_the_new_generation(replayed, ledger):
    from tests.scenario import REGULATOR
    from datetime import date
    runner = replayed.runner
    original = runner.process_batch
    recorded = {}

    def batch_then_write(name, gen, limit=500):
        done = original(name, gen, limit=10)
        if not recorded:
            recorded["r"] = ledger.record_deduction(
                REGULATOR, CODES[0], "D02", date(2022, 11, 8), "result notice late")
        return done
    runner.process_batch = batch_then_write
    runner.rebuild(ASSESSMENTS)
    runner.process_batch = original
    month = replayed.month(CODES[0], "2022-11")
    assert [d["id"] for d in month["deductions"]] == [recorded["r"].id]
    assert month["score"] == 98
