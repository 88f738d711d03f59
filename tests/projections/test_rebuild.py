"""Rebuilds: a new generation equals the incremental one, survives a crash, never blocks reads."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ledger.projections.store import tables as t
from ledger.projections.queries.queries import ReadSide
from ledger.projections.store.bulk import AssessmentsRebuild
from ledger.projections.store.runner import ASSESSMENTS, EVENT_INDEX, Projections
from tests.projections.support import rebuild_killed_at_checkpoint, snapshot
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


def test_a_retired_generation_a_crash_left_undeleted_goes_at_the_next_switch(
        replayed, monkeypatch):
    import ledger.projections.store.runner as runner_module

    runner = replayed.runner
    runner.catch_up(ASSESSMENTS)
    first = runner.active(ASSESSMENTS)[0]
    with replayed.engine.connect() as conn:
        rows = len(conn.execute(select(t.stream.c.originator_id)
                                .where(t.stream.c.gen == first)).all())
    assert rows > 3
    monkeypatch.setattr(runner_module, "DROP_CHUNK", 2)  # several transactions per table
    calls = {"n": 0}
    original = Projections.drop_generations

    def dying_drop(self, name, gens):  # the process dies before the drop starts
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyboardInterrupt("killed")
        return original(self, name, gens)

    monkeypatch.setattr(Projections, "drop_generations", dying_drop)
    with pytest.raises(KeyboardInterrupt):
        runner.rebuild(ASSESSMENTS)
    with replayed.engine.connect() as conn:
        status = dict(conn.execute(select(t.projection.c.gen, t.projection.c.status)
                                   .where(t.projection.c.name == ASSESSMENTS)).all())
    assert status[first] == "retired"
    runner.rebuild(ASSESSMENTS)
    with replayed.engine.connect() as conn:
        gens = {row.gen for row in conn.execute(select(t.projection.c.gen).where(
            t.projection.c.name == ASSESSMENTS))}
        left = {table.name: conn.execute(select(table.c.gen).where(table.c.gen == first)).all()
                for table in t.ASSESSMENT_TABLES}
    assert first not in gens and len(gens) == 1
    assert all(rows == [] for rows in left.values()), left


def small_steps(runner, **settings):
    """Make `runner`'s rebuilds read 7 events at a time and checkpoint every 14."""
    def bulk(gen, progress=None):
        return AssessmentsRebuild(runner, gen, progress, checkpoint_events=14, chunk=7,
                                  append_flush=3, **settings)
    runner.bulk_rebuild = bulk


def test_a_rebuild_killed_part_way_resumes_to_the_clean_result(replayed, ledger):
    clean = snapshot(replayed, CODES, [2022])
    runner = replayed.runner
    # Simulate a crash: a new generation is built for a few checkpoints, with trail rows
    # flushed after the last one, then the process dies.
    crashed = Projections(ledger)
    small_steps(crashed)
    rebuild_killed_at_checkpoint(crashed, after=2)
    status = {s["name"]: s for s in runner.status()}[ASSESSMENTS]
    assert status["status"] == "rebuilding" and status["rebuild_position"] == 28
    with ledger.engine.connect() as conn:
        beyond = conn.execute(select(t.trail.c.position).where(
            t.trail.c.gen == replayed.runner.active(ASSESSMENTS)[0] + 1,
            t.trail.c.position > 28)).all()
    assert beyond  # rows flushed after the last checkpoint, which the resume must drop
    # Reads are still served by the current generation while the rebuild is unfinished.
    assert snapshot(replayed, CODES, [2022]) == clean
    # A fresh process resumes the half-built generation instead of starting again.
    resumed = Projections(ledger)
    small_steps(resumed)
    started = {}
    original_start = AssessmentsRebuild._start

    def recording_start(self):
        model, position = original_start(self)
        started["position"] = position
        return model, position
    AssessmentsRebuild._start = recording_start
    try:
        gen = resumed.rebuild(ASSESSMENTS)
    finally:
        AssessmentsRebuild._start = original_start
    assert started["position"] == 28
    assert resumed.active(ASSESSMENTS)[0] == gen
    assert snapshot(ReadSide(ledger), CODES, [2022]) == clean


def test_events_recorded_during_a_rebuild_reach_the_new_generation(replayed, ledger):
    from tests.scenario import REGULATOR
    from datetime import date
    runner = replayed.runner
    small_steps(runner)
    original = runner.read_events
    recorded = {}

    def read_then_write(conn, after, limit):
        events = original(conn, after, limit)
        if not recorded and after > 0:
            recorded["r"] = ledger.record_deduction(
                REGULATOR, CODES[0], "D02", date(2022, 11, 8), "result notice late")
        return events
    runner.read_events = read_then_write
    runner.rebuild(ASSESSMENTS)
    del runner.read_events
    assert recorded
    month = replayed.month(CODES[0], "2022-11")
    assert [d["id"] for d in month["deductions"]] == [recorded["r"].id]
    assert month["score"] == 98


def test_rebuilding_both_models_side_by_side_equals_the_incremental_ones(replayed, database_url):
    from ledger.projections.store.parallel import rebuild_all
    before = snapshot(replayed, CODES, [2022])
    old = {name: replayed.runner.active(name)[0] for name in (ASSESSMENTS, EVENT_INDEX)}
    seen = []
    rebuild_all(database_url, [ASSESSMENTS, EVENT_INDEX], seen.append, poll=0.01)
    head = replayed.runner.head()
    for name in (ASSESSMENTS, EVENT_INDEX):
        gen, position = replayed.runner.active(name)
        assert gen > old[name] and position == head
    assert seen[-1] == 2 * head  # progress ends at both models' last position
    assert snapshot(replayed, CODES, [2022]) == before
