"""A rebuild in shards of the agencies writes exactly the rows of a rebuild in one pass."""

from __future__ import annotations

import pytest
from sqlalchemy import literal, select, union_all

from ledger.projections.queries.queries import ReadSide
from ledger.projections.store import tables as t
from ledger.projections.store.bulk import (
    AssessmentsRebuild, Shard, ShardedRebuild, assessments_rebuild, shard_count,
)
from ledger.projections.store.runner import ASSESSMENTS, Projections
from tests.projections.support import rebuild_killed_at_checkpoint, snapshot
from tests.scenario import replay

CODES = ["91341800H9EH9J1GRF", "91341800NNDMLAR0UG", "91341800WQD9LLEHT2"]


@pytest.fixture
def replayed(ledger, scenario):
    replay(ledger, scenario)
    return ReadSide(ledger)


def in_shards(runner, shards, **settings):
    """Make `runner`'s rebuilds of assessments fold in `shards` shards."""
    def bulk(gen, progress=None):
        return assessments_rebuild(runner, gen, progress, shards=shards, **settings)
    runner.bulk_rebuild = bulk


def tables(engine, gen):
    """Every row of the generation, table by table (without `gen`), in a stable order."""
    out = {}
    with engine.connect() as conn:
        for table in t.ASSESSMENT_TABLES:
            rows = [{k: v for k, v in r._mapping.items() if k != "gen"}
                    for r in conn.execute(select(table).where(table.c.gen == gen))]
            out[table.name] = sorted(rows, key=repr)
    return out


def one_pass(ledger):
    runner = Projections(ledger)
    in_shards(runner, 1)
    return tables(ledger.engine, runner.rebuild(ASSESSMENTS))


def test_shards_split_the_agencies_and_their_sql_test_agrees(ledger):
    assert shard_count(1) == 1 and shard_count(20_000) > 10
    for count in (2, 3, 7):
        for code in CODES + ["91110000100000000X", "1"]:
            held = [s.index for s in (Shard(i, count) for i in range(count)) if s.holds(code)]
            assert len(held) == 1
    # Their SQL form selects the same agencies, on both backends.
    replay_codes = CODES + [f"91341800MA2T0000{a}{b}" for a, b in zip("0A9Z5K", "Y1B7QX")]
    dialect = ledger.engine.dialect.name
    with ledger.engine.connect() as conn:
        for count in (2, 3, 7):
            for i in range(count):
                shard = Shard(i, count)
                rows = union_all(*[select(literal(c).label("code")) for c in replay_codes]) \
                    .subquery()
                got = set(conn.execute(select(rows.c.code).where(
                    shard.where(rows.c.code, dialect))).scalars())
                assert got == {c for c in replay_codes if shard.holds(c)}


@pytest.mark.parametrize("shards", [2, 3])
def test_a_rebuild_in_shards_writes_the_rows_of_one_pass(replayed, ledger, shards):
    clean = snapshot(replayed, CODES, [2022])  # the incrementally maintained generation
    replayed.runner.catch_up(ASSESSMENTS)
    incremental = tables(ledger.engine, replayed.runner.active(ASSESSMENTS)[0])
    expected = one_pass(ledger)
    assert expected[t.publication.name] and expected[t.session.name]
    assert expected == incremental
    runner = Projections(ledger)
    in_shards(runner, shards)
    gen = runner.rebuild(ASSESSMENTS)
    assert tables(ledger.engine, gen) == expected
    assert snapshot(ReadSide(ledger), CODES, [2022]) == clean
    with ledger.engine.connect() as conn:  # the shards' tracking rows are gone
        names = set(conn.execute(select(t.projection.c.name)).scalars())
    assert names == {ASSESSMENTS, "event_index"}


def test_each_shard_holds_only_its_agencies(replayed, ledger, monkeypatch):
    import ledger.projections.store.bulk as bulk
    monkeypatch.setattr(bulk, "SHARD_AGENCIES", 2)  # 3 agencies registered: 2 shards
    runner = Projections(ledger)
    models = []
    original = AssessmentsRebuild.run

    def keep(self):
        model = original(self)
        models.append((self.shard, set(model.agencies)))
        return model
    AssessmentsRebuild.run = keep
    try:
        runner.rebuild(ASSESSMENTS)
    finally:
        AssessmentsRebuild.run = original
    assert [s.index for s, _ in models] == [0, 1]
    assert all(held and all(s.holds(c) for c in held) for s, held in models)
    assert set().union(*(held for _, held in models)) == set(CODES)


def test_a_crash_between_shards_resumes_to_the_rows_of_one_pass(replayed, ledger):
    expected = one_pass(ledger)
    crashed = Projections(ledger)
    in_shards(crashed, 2)
    original = AssessmentsRebuild._start

    def dying_second_shard(self):
        if self.shard is not None and self.shard.index == 1:
            raise KeyboardInterrupt("killed")
        return original(self)
    AssessmentsRebuild._start = dying_second_shard
    try:
        with pytest.raises(KeyboardInterrupt):
            crashed.rebuild(ASSESSMENTS)
    finally:
        AssessmentsRebuild._start = original
    head = crashed.head()
    with ledger.engine.connect() as conn:
        p = t.projection.c
        at = dict(conn.execute(select(p.name, p.position).where(p.status == "building")).all())
    assert at == {ASSESSMENTS: 0, Shard(0, 2).name: head, Shard(1, 2).name: 0}
    # `ledger status` shows how far the shards have got (one of two done: half the log), not
    # the generation's own 0.
    status = next(s for s in Projections(ledger).status() if s["name"] == ASSESSMENTS)
    assert status["status"] == "rebuilding" and status["rebuild_position"] == head // 2
    resumed = Projections(ledger)  # chooses its shards from the generation begun
    gen = resumed.rebuild(ASSESSMENTS)
    assert tables(ledger.engine, gen) == expected


def test_a_crash_inside_a_shard_resumes_to_the_rows_of_one_pass(replayed, ledger):
    expected = one_pass(ledger)
    crashed = Projections(ledger)
    # Shard 2 of 2 reads 4 events of this log (positions 12, 40, 41, 42): a checkpoint after
    # each, killed at its third.
    small = {"checkpoint_events": 1, "chunk": 1, "append_flush": 1}
    in_shards(crashed, 2, **small)
    rebuild_killed_at_checkpoint(crashed, after=2, shard=1)
    with ledger.engine.connect() as conn:
        p = t.projection.c
        second = conn.execute(select(p.position).where(p.name == Shard(1, 2).name)).scalar()
        beyond = conn.execute(select(t.trail.c.position).where(
            t.trail.c.position > second, t.trail.c.gen == crashed.active(ASSESSMENTS)[0] + 1,
            Shard(1, 2).where(t.trail.c.agency, ledger.engine.dialect.name))).all()
    assert second == 40 and beyond  # rows flushed after its checkpoint: the resume drops them
    resumed = Projections(ledger)
    in_shards(resumed, None, **small)
    gen = resumed.rebuild(ASSESSMENTS)
    assert tables(ledger.engine, gen) == expected


def test_a_crash_inside_a_shard_before_its_first_checkpoint_resumes_to_the_rows_of_one_pass(
        replayed, ledger):
    """A pass that flushed rows and died before its first checkpoint stays at position 0 with
    rows of its own in the generation: the resumed pass removes them, although at 0."""
    expected = one_pass(ledger)
    crashed = Projections(ledger)
    small = {"checkpoint_events": 1_000, "chunk": 1, "append_flush": 1}
    in_shards(crashed, 2, **small)
    rebuild_killed_at_checkpoint(crashed, after=0, shard=1)
    gen = crashed.active(ASSESSMENTS)[0] + 1
    with ledger.engine.connect() as conn:
        p = t.projection.c
        second = conn.execute(select(p.position).where(p.name == Shard(1, 2).name)).scalar()
        flushed = conn.execute(select(t.trail.c.position).where(
            t.trail.c.gen == gen,
            Shard(1, 2).where(t.trail.c.agency, ledger.engine.dialect.name))).all()
    assert second == 0 and flushed
    resumed = Projections(ledger)
    in_shards(resumed, None, **small)
    assert tables(ledger.engine, resumed.rebuild(ASSESSMENTS)) == expected


def test_events_recorded_during_the_shards_reach_the_new_generation(replayed, ledger):
    from datetime import date
    from tests.scenario import REGULATOR
    runner = Projections(ledger)
    in_shards(runner, 2)
    original = ShardedRebuild._freeze
    recorded = {}

    def write_then_freeze(self, end, shards):
        original(self, end, shards)
        recorded["r"] = ledger.record_deduction(
            REGULATOR, CODES[0], "D02", date(2022, 11, 8), "result notice late")
    ShardedRebuild._freeze = write_then_freeze
    try:
        gen = runner.rebuild(ASSESSMENTS)
    finally:
        ShardedRebuild._freeze = original
    assert runner.active(ASSESSMENTS) == (gen, runner.head())
    month = ReadSide(ledger).month(CODES[0], "2022-11")
    assert recorded["r"].id in [d["id"] for d in month["deductions"]]


def test_a_crash_after_the_shards_is_finished_by_the_incremental_path(
        replayed, ledger, monkeypatch):
    import ledger.projections.store.bulk as bulk
    expected = one_pass(ledger)
    monkeypatch.setattr(bulk, "SHARD_AGENCIES", 2)  # 3 agencies registered: 2 shards
    crashed = Projections(ledger)
    original = ShardedRebuild._freeze

    def freeze_then_die(self, end, shards):
        original(self, end, shards)
        raise KeyboardInterrupt("killed")
    monkeypatch.setattr(ShardedRebuild, "_freeze", freeze_then_die)
    with pytest.raises(KeyboardInterrupt):
        crashed.rebuild(ASSESSMENTS)
    monkeypatch.setattr(ShardedRebuild, "_freeze", original)
    passes = []
    monkeypatch.setattr(AssessmentsRebuild, "run", lambda self: passes.append(self))
    resumed = Projections(ledger)
    gen = resumed.rebuild(ASSESSMENTS)
    assert passes == []  # no pass loads the agencies again: the generation is past its shards
    assert resumed.active(ASSESSMENTS) == (gen, resumed.head())
    assert tables(ledger.engine, gen) == expected


@pytest.fixture
def demo(ledger):
    """A demo log of 15 agencies over two years: sessions attended by agencies of every
    shard, deductions with every consequence, publications."""
    from datetime import date
    from ledger.demo.plan import Planner
    from ledger.demo.run import run_demo
    run_demo(ledger, Planner(15, 2, 11, date(2023, 12, 31)))
    return ledger


def passes_reading(runner, shards, monkeypatch):
    """Rebuild assessments in `shards` shards; the decoded events each pass fetched from the
    log, by shard index (a pass fetching through `runner.fetch` reads the whole log)."""
    import ledger.projections.store.bulk as bulk
    read: dict[int, list] = {}
    current = {}
    fetch, shard_fetch = runner.fetch, bulk.ShardReads.fetch

    def fetching(*args, **kwargs):
        rows = fetch(*args, **kwargs)
        if current:
            read[current["shard"]] += runner.decode(rows)
        return rows

    def shard_fetching(*args, **kwargs):
        rows = shard_fetch(*args, **kwargs)
        read[current["shard"]] += runner.decode(rows)
        return rows
    runner.fetch = fetching
    monkeypatch.setattr(bulk.ShardReads, "fetch", staticmethod(shard_fetching))
    original = AssessmentsRebuild.run

    def run(self):
        current["shard"] = self.shard.index
        read.setdefault(self.shard.index, [])
        try:
            return original(self)
        finally:
            current.clear()
    monkeypatch.setattr(AssessmentsRebuild, "run", run)
    in_shards(runner, shards)
    return runner.rebuild(ASSESSMENTS), read


def test_each_pass_reads_only_its_shards_events(demo, monkeypatch):
    from ledger.projections.model.fold import AGENCY_OF_EVENT, LedgerModel, handled
    ledger = demo
    everything = LedgerModel()  # which agency each stream's events are about
    runner = Projections(ledger)
    with ledger.engine.connect() as conn:
        log = runner.read_events(conn, 0, 100_000)
    for position, event in log:
        everything.apply(position, event)
    streams = everything.agency_of_aggregate | everything.agency_of_deduction
    applied = handled()
    attended = {}  # session -> the shards of the agencies whose attendances it has
    for _, event in log:
        if type(event).__name__ == "AttendanceRecorded":
            attended.setdefault(str(event.originator_id), set()).add(
                Shard.of(event.agency, 4))
    gen, read = passes_reading(runner, 4, monkeypatch)
    assert sorted(read) == [0, 1, 2, 3]
    for index, events in read.items():
        shard = Shard(index, 4)
        positions = [p for p, _ in events]
        assert positions == sorted(set(positions))  # in log order, each once
        for _, event in events:
            name, oid = type(event).__name__, str(event.originator_id)
            assert name in applied  # never an event the fold passes over
            field = AGENCY_OF_EVENT.get(name)
            agency = getattr(event, field) if field else streams.get(oid)
            if agency is not None:  # about one agency: this shard's (the first: attendances)
                assert shard.holds(agency) or (index == 0 and name == "AttendanceRecorded")
            else:  # about none: the first shard, or a session this shard's agencies attended
                assert index == 0 or index in attended.get(oid, ())
    # Together the passes read the log's applied events about once, not once each.
    applied_events = sum(type(e).__name__ in applied for _, e in log)
    attendances = sum(type(e).__name__ == "AttendanceRecorded" for _, e in log)
    assert sum(map(len, read.values())) < applied_events + attendances + 100
    assert all(read.values())
    with ledger.engine.connect() as conn:  # the reads' rows went with the shards
        assert conn.execute(select(t.shard_read.c.gen)).first() is None


@pytest.mark.parametrize("shards", [3, 4])
def test_a_demo_log_rebuilt_in_shards_has_the_rows_of_one_pass(demo, shards):
    ledger = demo
    expected = one_pass(ledger)
    assert expected[t.publication.name] and expected[t.attendance.name]
    runner = Projections(ledger)
    in_shards(runner, shards)
    assert tables(ledger.engine, runner.rebuild(ASSESSMENTS)) == expected
