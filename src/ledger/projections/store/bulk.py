"""Full rebuilds of the assessments read model: fold the log in memory, write each row once.

The incremental path (`Projections.process_batch`) loads the agencies a batch touches, folds the
batch and rewrites those agencies' rows with the tracking position, so a rebuild through it
rewrote every agency's state once per batch. A rebuild instead folds the whole log into one
model that holds every agency and writes:

- append-only rows (trail, attendance, streams) in their own short transactions whenever
  `APPEND_FLUSH` of them are pending, and each publication's frozen standings as it is folded,
  so memory does not grow with the log;
- every other row (agencies, months, deductions, sessions) with the tracking
  position at a checkpoint: at the end, and every `CHECKPOINT_SECONDS` of folding before it, so
  a crash loses at most that much work.

A rebuild resumed after a crash loads every agency of the generation as of its last checkpoint
and first deletes the append-only rows (trail, attendance, publications) written after it
(streams are facts about an originator that hold whatever the position, so they are inserted
ignoring those already there).

A log of more agencies than `SHARD_AGENCIES` is folded in shards of the agencies instead, one
such pass each, so memory follows a shard rather than the store (`ShardedRebuild`); each pass
fetches and decodes only the events of its shard (`ShardReads`). Which path a rebuild takes is
`assessments_rebuild`'s choice.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, NamedTuple

from eventsourcing.utils import get_topic, resolve_topic
from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from ledger.bulk_tuning import bulk_collection
from ledger.domain.agency import Agency
from ledger.domain.deduction import Deduction
from ledger.domain.training import TrainingSession
from ledger.projections.store import tables as t
from ledger.projections.model.codec import agency_from_json, dumps
from ledger.projections.model.fold import (
    AGENCY_EVENTS, AGENCY_OF_EVENT, DEDUCTION_EVENTS, Changes, LedgerModel, handled,
)
from ledger.projections.model.state import SessionState
from ledger.projections.model.views import forget_all_months
from ledger.projections.store.rows import insert_rows
from ledger.projections.store.standings import standings_as_of
from ledger.projections.store.writer import (
    attendance_rows, delete_in, freeze_publications, restore_current, session_rows, stream_rows,
    trail_rows, write_changes, write_publication, write_versions,
)

READ_CHUNK = 20_000
MAP_CHUNK = 20_000  # log positions a transaction of `ShardReads` maps
APPEND_FLUSH = 50_000
CHECKPOINT_SECONDS = 300.0
# Agencies one pass of a rebuild holds in memory: a log of more agencies is folded in shards
# of about this many, one pass each (see `ShardedRebuild`). A pass's peak RSS is about 100 MB
# plus 147 kB an agency with 3 years of history (province, measured), 245-280 kB with 5
# (nation: extrapolated, and 1,500 agencies measured at 565 MB before the passes' smaller
# buffers), so about 250-290 MB at nation (docs/PERFORMANCE.md, "Shards read only their own
# events"); more passes cost little since each reads only its own events.
SHARD_AGENCIES = 550
# A pass's events read at a time and append-only rows kept before they are written: memory a
# pass holds whatever its shard's size (the flush is checked after each chunk, and a chunk of
# 20,000 events makes tens of thousands of rows), so smaller than a one-pass rebuild's: peak
# RSS 196 -> 137 MB in 8 shards of the province demo log (docs/PERFORMANCE.md).
SHARD_CHUNK = 5_000
SHARD_FLUSH = 10_000
ASSESSMENTS = "assessments"
SHARD_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def shard_count(agencies: int) -> int:
    """The shards a rebuild of a store with `agencies` agencies folds the log in."""
    return max(1, math.ceil(agencies / SHARD_AGENCIES))


def shards_position(rows: list[Any]) -> int | None:
    """How far a sharded rebuild has got, as one position of the log (`ledger status`): the
    mean of its shards' positions (a shard not begun yet has no row and counts 0), as the
    progress bar of `ShardedRebuild.run` counts. None when `rows` (tracking rows of one
    generation) hold no shard row."""
    shards = [r for r in rows if r.name.startswith(f"{ASSESSMENTS} shard ")]
    if not shards:
        return None
    count = int(shards[0].name.rsplit(" ", 1)[1])
    return sum(r.position for r in shards) // count


class Shard(NamedTuple):
    """One of `count` parts of the agencies, by the last two characters of the credit code
    (a check character and the one before it: spread evenly), computed alike in Python and
    in SQL so a resumed pass can delete its own rows."""

    index: int
    count: int

    @property
    def name(self) -> str:
        """Its tracking row's name (`rm_projection`, status `building`, its own position)."""
        return f"{ASSESSMENTS} shard {self.index + 1} of {self.count}"

    @property
    def shared(self) -> bool:
        """The first shard also writes what belongs to no agency: sessions' attendance
        counts and the publications."""
        return self.index == 0

    def holds(self, code: str) -> bool:
        return self.of(code, self.count) == self.index

    @staticmethod
    def of(code: str, count: int) -> int:
        """The index of the shard (of `count`) that holds the agency of credit code `code`."""
        a, b = SHARD_ALPHABET.find(code[-2:-1]) + 1, SHARD_ALPHABET.find(code[-1:]) + 1
        return (a * 37 + b) % count

    def where(self, column: Any, dialect: str) -> Any:
        """SQL: the row's credit code `column` is of this shard (as `holds`)."""
        find = func.instr if dialect == "sqlite" else func.strpos
        length = func.length(column)
        a = find(SHARD_ALPHABET, func.substr(column, length - 1, 1))
        b = find(SHARD_ALPHABET, func.substr(column, length, 1))
        return (a * 37 + b) % self.count == self.index


# The topics of the events that name their agency (`fold.AGENCY_OF_EVENT`), as this release
# records them: `ShardReads` reads their stored state with their position.
AGENCY_TOPICS = {get_topic(getattr(aggregate, name))
                 for aggregate, name in ((Agency, "AgencyRegistered"),
                                         (Deduction, "DeductionRecorded"),
                                         (TrainingSession, "AttendanceRecorded"))}
assert {name.rsplit(".", 1)[-1] for name in AGENCY_TOPICS} == set(AGENCY_OF_EVENT)


def agency_column(table: Any) -> Any:
    return table.c.agency if "agency" in table.c else table.c.code


class RebuildConflict(RuntimeError):
    """Another process advanced the generation this rebuild is building."""


class AssessmentsRebuild:
    """Builds one generation of the assessments read model from its tracked position."""

    def __init__(self, runner: Any, gen: int, progress: Callable[[int, int], None] | None = None,
                 checkpoint_seconds: float = CHECKPOINT_SECONDS,
                 checkpoint_events: int | None = None, chunk: int = READ_CHUNK,
                 append_flush: int = APPEND_FLUSH, shard: Shard | None = None,
                 until: int | None = None, unwritten: bool = False) -> None:
        self.runner, self.engine, self.gen = runner, runner.engine, gen
        # A shard: fold only its agencies, tracked by its own row, up to `until`; the
        # publications' standings are frozen after every shard (`ShardedRebuild`).
        self.shard, self.until = shard, until
        # The shard has no row in the generation yet: its tracking row was created by this
        # run (`ShardedRebuild._shards`, which emptied the generation in the same
        # transaction) and no pass of it has run since, so there is nothing to remove.
        self.unwritten = unwritten
        self.name = shard.name if shard is not None else ASSESSMENTS
        self.progress = progress
        self.checkpoint_seconds = checkpoint_seconds
        self.checkpoint_events = checkpoint_events  # tests: checkpoint every N events instead
        self.chunk = chunk
        self.append_flush = append_flush

    def run(self) -> LedgerModel:
        # The model's millions of long-lived objects would be rescanned by every collection.
        with bulk_collection() as freeze:
            return self._run(freeze)

    def _run(self, freeze: Callable[[], None]) -> LedgerModel:
        model, position = self._start()
        changes = Changes()
        total = self.runner.head()
        since, folded = time.monotonic(), 0
        while True:
            with self.engine.connect() as conn:
                events, last, read = self._read(conn, model)
            if not last:
                break
            for pos, event in events:
                model.apply(pos, event, changes)
                if changes.publications and self.shard is not None:
                    if self.shard.shared:  # the standings are frozen after every shard
                        with self.engine.begin() as conn:
                            for publication in changes.publications:
                                write_publication(conn, self.gen, publication, rows=[])
                    changes.publications = []
                elif changes.publications:
                    # Frozen as the standings stand at the publication; the model holds all.
                    # Written at once (append-only, like the trail): at nation scale one
                    # publication's rows are 20,000 dicts.
                    with self.engine.begin() as conn:
                        freeze_publications(conn, self.gen, model, changes)
            model.position = last  # events passed over undecoded too
            folded += read
            if len(changes.trail) + len(changes.attendance) + len(changes.streams) \
                    + len(changes.versions) >= self.append_flush:
                with self.engine.begin() as conn:
                    self._append(conn, changes)
                # Kept month figures are recomputed when next needed: a month is changed
                # again within weeks if at all, and keeping every month's figures costs as
                # much memory as the deductions themselves at nation scale.
                for agency in model.agencies.values():
                    forget_all_months(agency)
                freeze()  # what survived so far is the model: later collections skip it
            due = (folded >= self.checkpoint_events if self.checkpoint_events
                   else time.monotonic() - since >= self.checkpoint_seconds)
            if due:
                position = self._checkpoint(model, changes, position)
                changes = Changes()
                since, folded = time.monotonic(), 0
            if self.progress is not None:
                self.progress(model.position, max(total, model.position))
            if self.until is not None and model.position >= self.until:
                break
        self._checkpoint(model, changes, position)
        return model

    def _read(self, conn: Connection, model: LedgerModel) -> tuple[Any, int, int]:
        """The next chunk's events to fold (decoded as they are folded), the position the
        fold has then reached (0: none left) and the number read.

        A shard's pass reads only the events `ShardReads` mapped to its shard, the log up to
        `until` being mapped: the position reached is the last one read, or `until` once
        fewer than a chunk are left."""
        if self.shard is None:
            events = self.runner.read_events(conn, model.position, self.chunk)
            if self.until is not None:
                events = [e for e in events if e[0] <= self.until]
            return events, events[-1][0] if events else 0, len(events)
        until = self.until
        assert until is not None, "a shard's pass reads the log as mapped up to `until`"
        if model.position >= until:
            return [], 0, 0
        rows = ShardReads.fetch(conn, self.runner, self.gen, self.shard.index, model.position,
                                until, self.chunk)
        decode = self.runner.decode
        events = (decode([row])[0] for row in rows)
        return events, rows[-1][0] if len(rows) == self.chunk else until, len(rows)

    def _start(self) -> tuple[LedgerModel, int]:
        """The model as of the generation's tracked position, rows after it removed."""
        shard = self.shard
        model = LedgerModel(history=True, holds=shard.holds if shard is not None else None)
        model.complete = shard is None
        with self.engine.begin() as conn:
            row = self.runner._lock_tracking(conn, self.name, self.gen)
            if row is None:
                raise RebuildConflict(f"generation {self.gen} of {self.name} is gone: "
                                      "another rebuild finished it")
            position = row.position
            if shard is None and position == 0:
                for table in t.ASSESSMENT_TABLES:
                    conn.execute(delete(table).where(table.c.gen == self.gen))
            elif self.unwritten and position == 0:
                pass  # a scan of the earlier shards' rows would find none of this one's
            else:
                self._remove_after(conn, position)
                if position > 0:
                    self._load(conn, model)
        model.position = position
        return model, position

    def _remove_after(self, conn: Connection, position: int) -> None:
        """Remove the rows written after the tracked `position` (a shard's: those of its
        agencies, and the publications if it writes them) and make the current rows those as
        of it again, so the fold resumes from there."""
        shard, gen, dialect = self.shard, self.gen, self.engine.dialect.name

        def mine(table: Any) -> tuple:
            return () if shard is None else (shard.where(agency_column(table), dialect),)
        for table in (t.trail, t.attendance):
            conn.execute(delete(table).where(table.c.gen == gen, table.c.position > position,
                                             *mine(table)))
        for table in t.HISTORY.values():
            conn.execute(delete(table).where(table.c.gen == gen, table.c.valid_from > position,
                                             *mine(table)))
        if shard is None or shard.shared:
            conn.execute(delete(t.publication).where(t.publication.c.gen == gen,
                                                     t.publication.c.position > position))
        if position > 0:
            restore_current(conn, gen, position,
                            None if shard is None else lambda table: mine(table)[0])

    def _load(self, conn: Connection, model: LedgerModel) -> None:
        where = [t.agency.c.gen == self.gen]
        if self.shard is not None:
            where.append(self.shard.where(t.agency.c.code, self.engine.dialect.name))
        for row in conn.execute(select(t.agency.c.state).where(*where)):
            model.add_agency(agency_from_json(row.state))
        for row in conn.execute(select(t.session).where(t.session.c.gen == self.gen)):
            model.sessions[row.id] = SessionState(row.id, row.kind, row.held_on, row.topic,
                                                  Decimal(row.hours), row.recorded_at,
                                                  row.attendance)

    def _append(self, conn: Connection, changes: Changes) -> None:
        """Write and clear the pending append-only rows."""
        gen = self.gen
        insert_rows(conn, t.trail, trail_rows(gen, changes.trail))
        insert_rows(conn, t.attendance, attendance_rows(gen, changes.attendance))
        insert_rows(conn, t.stream, stream_rows(gen, changes.streams), ignore_existing=True)
        write_versions(conn, gen, changes.versions)
        changes.trail, changes.attendance, changes.streams = [], [], []
        changes.versions = []

    def _checkpoint(self, model: LedgerModel, changes: Changes, expected: int) -> int:
        """Write every pending row and the tracking position in one transaction."""
        with self.engine.begin() as conn:
            row = self.runner._lock_tracking(conn, self.name, self.gen)
            if row is None or row.position != expected or row.status == "retired":
                state = "gone" if row is None else f"at {row.position} ({row.status})"
                raise RebuildConflict(
                    f"generation {self.gen} of {self.name} is {state}, "
                    f"not at {expected}: another rebuild is building it")
            self._append(conn, changes)
            if self.shard is not None and changes.sessions:
                # Every shard folds every session; the first writes them (with attendance
                # counts); the others only add those it has not written yet, so a shard
                # resumed ahead of the first finds the sessions it needs.
                ids, changes.sessions = changes.sessions, set()
                if self.shard.shared:
                    delete_in(conn, t.session, t.session.c.id, ids, self.gen)
                insert_rows(conn, t.session, session_rows(self.gen, model, ids),
                            ignore_existing=not self.shard.shared)
            write_changes(conn, self.gen, model, changes, replace=expected > 0)
            conn.execute(update(t.projection).where(
                t.projection.c.name == self.name, t.projection.c.gen == self.gen).values(
                position=model.position, updated_at=datetime.now(timezone.utc)))
        return model.position



class ShardedRebuild:
    """Builds one generation of the assessments read model in shards of its agencies.

    Each shard is one `AssessmentsRebuild` pass over the log that holds only its agencies
    (`Shard.holds`) plus the sessions they attended, tracked by its own row (`Shard.name`), so
    memory is about a shard's states whatever the number of agencies. The passes stop at `end`,
    the log head when this run began; before them, this run maps which events each shard
    reads up to `end` (`ShardReads`), so a pass fetches and decodes only those. Then, in one transaction, every publication's standings are
    frozen as they stood at its position, from the history rows all the shards wrote
    (`standings.standings_as_of`, the as-of read of the standings), the generation's position
    becomes `end` and the shards' rows go. Events recorded since are then applied by the
    incremental path (`Projections.process_batch`). A run that finds shards of the
    generation resumes each from its own position (a finished one continues to the new end).
    """

    def __init__(self, runner: Any, gen: int, count: int,
                 progress: Callable[[int, int], None] | None = None, **settings: Any) -> None:
        self.runner, self.engine, self.gen, self.count = runner, runner.engine, gen, count
        self.progress = progress
        self.settings = {"chunk": SHARD_CHUNK, "append_flush": SHARD_FLUSH, **settings}

    def run(self) -> None:
        end = self.runner.head()
        shards, created = self._shards()
        if shards:
            ShardReads(self.runner, self.gen, len(shards)).write(end)
        for done, shard in enumerate(shards):
            # Shards this run created have written nothing yet; a resumed run's shards may
            # have rows after their tracked position (a crash before a checkpoint).
            AssessmentsRebuild(self.runner, self.gen, self._shard_progress(done, len(shards), end),
                               shard=shard, until=end, unwritten=created,
                               **self.settings).run()
        if shards:
            self._freeze(end, shards)
        while self.runner.process_batch(ASSESSMENTS, self.gen):
            pass

    def _shard_progress(self, done: int, n: int,
                        end: int) -> Callable[[int, int], None] | None:
        """The whole rebuild's progress while shard `done` (of `n`) is at a position."""
        if self.progress is None:
            return None
        report = self.progress
        return lambda at, _head: report((done * end + at) // n, end)

    def _shards(self) -> tuple[list[Shard], bool]:
        """The generation's shards, their tracking rows created on the first run (none: the
        passes are done, the generation is past them), and whether this call created them."""
        p = t.projection.c
        prefix = f"{ASSESSMENTS} shard "
        with self.engine.begin() as conn:
            row = self.runner._lock_tracking(conn, ASSESSMENTS, self.gen)
            if row is None or row.status == "retired":
                raise RebuildConflict(f"generation {self.gen} of {ASSESSMENTS} is gone: "
                                      "another rebuild finished it")
            names = list(conn.execute(select(p.name).where(
                p.gen == self.gen, p.name.startswith(prefix))).scalars())
            if names:
                count = int(names[0].rsplit(" ", 1)[1])
                return [Shard(i, count) for i in range(count)], False
            if row.position > 0:
                return [], False
            for table in t.ASSESSMENT_TABLES:
                conn.execute(delete(table).where(table.c.gen == self.gen))
            stamp = datetime.now(timezone.utc)
            shards = [Shard(i, self.count) for i in range(self.count)]
            conn.execute(insert(t.projection), [
                {"name": s.name, "gen": self.gen, "position": 0, "status": "building",
                 "started_at": stamp, "updated_at": stamp} for s in shards])
        return shards, True

    def _freeze(self, end: int, shards: list[Shard]) -> None:
        """Freeze every publication's standings, then move the generation to `end`."""
        p, pub = t.projection.c, t.publication.c
        with self.engine.begin() as conn:
            row = self.runner._lock_tracking(conn, ASSESSMENTS, self.gen)
            at = dict(conn.execute(select(p.name, p.position).where(
                p.gen == self.gen, p.name.in_([s.name for s in shards]))).all())
            if row is None or row.position != 0 or any(at.get(s.name) != end for s in shards):
                raise RebuildConflict(f"generation {self.gen} of {ASSESSMENTS} is not where "
                                      f"its shards left it: another rebuild is building it")
            for month, revision, position in conn.execute(
                    select(pub.month, pub.revision, pub.position).where(pub.gen == self.gen)
                    .order_by(pub.position)).all():
                rows = standings_as_of(conn, self.gen, month, position)
                conn.execute(update(t.publication).where(
                    pub.gen == self.gen, pub.month == month, pub.revision == revision)
                    .values(rows=dumps(rows)))
            conn.execute(delete(t.projection).where(
                p.gen == self.gen, p.name.in_([s.name for s in shards])))
            conn.execute(delete(t.shard_read).where(t.shard_read.c.gen == self.gen))
            conn.execute(update(t.projection).where(
                p.name == ASSESSMENTS, p.gen == self.gen).values(
                position=end, updated_at=datetime.now(timezone.utc)))


class ShardReads:
    """Which shard's pass reads each event of the log (`tables.shard_read`), so that a pass
    fetches and decodes only its own events instead of the whole log.

    Worked out in one pass over the log's positions, streams and topics; only the events that
    name their agency (`fold.AGENCY_OF_EVENT`: registrations, deductions recorded,
    attendances) are decoded, to learn it. A shard reads:

    - every event the fold applies that names an agency it holds, and the later events of
      that agency's and its deductions' streams;
    - the first shard also every attendance of the others' agencies (it writes the sessions'
      attendance counts: `LedgerModel._attended`) and every event about no agency (sessions,
      publications: it writes them);
    - another shard also the events about no agency of a stream its agencies' attendances
      are in (the session they attended), from that stream's first event on.

    The events the fold does not apply (rule sets, calendars, inspections, results ...) are
    read by no pass. The rows are a function of the log (and the number of shards, fixed per
    generation), so a run writes them all again up to its `end`, skipping those already there
    (a resumed run, or another run at the same time), and no pass begins before they are
    written up to its `until`.
    """

    def __init__(self, runner: Any, gen: int, count: int, chunk: int = MAP_CHUNK) -> None:
        self.runner, self.engine, self.gen, self.count = runner, runner.engine, gen, count
        self.chunk = chunk

    @staticmethod
    def fetch(conn: Connection, runner: Any, gen: int, shard: int, after: int, until: int,
              limit: int) -> list[tuple]:
        """The next stored events of `shard` after `after` up to `until`, as plain rows
        (`runner.fetch`'s columns), in log order."""
        e, r = runner.events.c, t.shard_read.c
        return conn.execute(
            select(e.id, e.originator_id, e.originator_version, e.topic, e.state)
            .select_from(t.shard_read.join(runner.events, e.id == r.position))
            .where(r.gen == gen, r.shard == shard, r.position > after, r.position <= until)
            .order_by(r.position).limit(limit)).all()

    def write(self, end: int) -> None:
        """Write the rows of every event up to `end`, a transaction every `chunk` positions."""
        e = self.runner.events.c
        query = select(e.id, e.originator_id, e.originator_version, e.topic,
                       case((e.topic.in_(AGENCY_TOPICS), e.state)))
        after = 0
        self._names: dict[str, str | None] = {}
        self._handled = handled()
        self._agency_streams: dict[Any, int] = {}  # agency's or deduction's stream: its shard
        # A stream of events about no agency: the positions of those events, and the shards
        # that read them (the first, and those whose attendances are in it).
        self._shared: dict[Any, tuple[list[int], set[int]]] = {}
        while after < end:
            with self.engine.connect() as conn:
                rows = conn.execute(query.where(e.id > after, e.id <= end)
                                    .order_by(e.id).limit(self.chunk)).all()
                if not rows:
                    break
                reads = self._reads(conn, rows)
            with self.engine.begin() as conn:
                insert_rows(conn, t.shard_read,
                            [{"gen": self.gen, "shard": shard, "position": position}
                             for shard, position in reads], ignore_existing=True)
            after = rows[-1][0]

    def _name(self, topic: str) -> str | None:
        """The name of the event class of `topic` when the fold applies it, else None."""
        try:
            return self._names[topic]
        except KeyError:
            name = resolve_topic(topic).__name__
            self._names[topic] = name if name in self._handled else None
            return self._names[topic]

    def _reads(self, conn: Connection, rows: list[Any]) -> list[tuple[int, int]]:
        """(shard, position) of each read of these rows' events."""
        reads: list[tuple[int, int]] = []
        count, streams, shared = self.count, self._agency_streams, self._shared
        for position, oid, version, topic, state in rows:
            name = self._name(topic)
            if name is None:
                continue
            if type(oid) is not bytes:  # a UUID (PostgreSQL): its 16 bytes are a smaller key
                oid = oid.bytes
            field = AGENCY_OF_EVENT.get(name)
            if field is not None:
                if state is None:  # recorded under another topic that names the same class
                    state = conn.execute(select(self.runner.events.c.state).where(
                        self.runner.events.c.id == position)).scalar_one()
                event = self.runner.decode([(position, oid, version, topic, state)])[0][1]
                shard = Shard.of(getattr(event, field), count)
                reads.append((shard, position))
                if name != "AttendanceRecorded":
                    streams[oid] = shard  # its later events are this agency's
                    continue
                if shard != 0:
                    reads.append((0, position))  # the first shard counts every attendance
                positions, readers = shared.setdefault(oid, ([], {0}))
                if shard not in readers:  # the session attended, from its first event
                    readers.add(shard)
                    reads += [(shard, earlier) for earlier in positions]
            elif name in AGENCY_EVENTS or name in DEDUCTION_EVENTS:
                shard = streams.get(oid)
                if shard is not None:
                    reads.append((shard, position))
            else:
                positions, readers = shared.setdefault(oid, ([], {0}))
                positions.append(position)
                reads += [(shard, position) for shard in readers]
        return reads


def assessments_rebuild(runner: Any, gen: int, progress: Callable[[int, int], None] | None = None,
                        shards: int | None = None, **settings: Any) -> Any:
    """The rebuild of generation `gen`: in one pass when the agencies fit one shard (or
    `shards` == 1), else `ShardedRebuild` (shards chosen from the agencies the active
    generation holds, unless `shards` says; a generation begun in shards keeps its own)."""
    if shards is None:
        p, events = t.projection.c, runner.events
        with runner.engine.connect() as conn:
            begun = conn.execute(select(p.name).where(
                p.gen == gen, p.name.startswith(f"{ASSESSMENTS} shard ")).limit(1)).first()
            # The agencies registered in the log (one scan of the log's table, no decoding).
            agencies = 0 if begun is not None else conn.execute(
                select(func.count()).select_from(events).where(
                    events.c.topic == get_topic(Agency.AgencyRegistered))).scalar() or 0
        # A generation begun in shards keeps its own count (`ShardedRebuild._shards`).
        shards = 2 if begun is not None else shard_count(agencies)
    if shards > 1:
        return ShardedRebuild(runner, gen, shards, progress, **settings)
    return AssessmentsRebuild(runner, gen, progress, **settings)
