"""Keeps the read models up to date: batches of events applied exactly once, with tracking."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import orjson
from sqlalchemy import (
    String, bindparam, delete, func, insert, literal_column, select, text, update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError

from ledger.projections.store import tables as t
from ledger.projections.store.bulk import RebuildConflict, assessments_rebuild, shards_position
from ledger.projections.store.decoding import EventDecoder
from ledger.projections.store.failures import (
    ProjectionFailed, clear_failure, describe, failure, failures, record_failure,
)
from ledger.projections.store.rows import Writes, insert_rows
from ledger.projections.model.codec import dumps, event_data
from ledger.projections.model.fold import Changes, LedgerModel
from ledger.schema import schema_transaction
from ledger.projections.store.writer import (
    freeze_publications, load_needed, write_changes, write_publication,
)

ASSESSMENTS, EVENT_INDEX = "assessments", "event_index"
# Events of a stream shared by many agencies: indexed under their own `agency` only, never
# under the agency another event of the same stream named (a session, a year's results).
NO_AGENCY_OF_STREAM = frozenset({"AttendanceRecorded", "NoticeOpened", "YearFinalized"})
NAMES = (ASSESSMENTS, EVENT_INDEX)
TABLES = {ASSESSMENTS: t.ASSESSMENT_TABLES, EVENT_INDEX: t.EVENT_INDEX_TABLES}
BATCH = 500
DROP_CHUNK = 20_000  # rows of a retired generation deleted per transaction on SQLite
RETIRED_GRACE = 2.0  # seconds between a switch and deleting the retired generation's rows
# The event index's rebuild: events a transaction. Fewer, larger transactions spare commits, but
# a batch's decoded events and rows are the process's peak memory: at nation scale (3.27 M
# events) 50,000 peaked at 605 MB and 10,000 at 213 MB; at province 265 -> 125 MB for 8.0-8.9 ->
# 9.2-10.5 s of CPU (docs/PERFORMANCE.md, "Nation scale, measured").
REBUILD_BATCH = 10_000


# The tracking statements of every batch, built once: a statement object reused keeps its
# cache key, so a batch neither builds nor keys them again (the values are bound).
def _tracking_row():
    p = t.projection.c
    return (p.name == bindparam("n")) & (p.gen == bindparam("g"))


# The tracking row, and whether a failure of its generation is kept (`failures.py`): a batch
# deletes the failure only when there is one. Read under the row's lock, which
# `record_failure` takes too, so a failure cannot be recorded unseen during the batch.
_FAILED = select(failure.c.gen).where(
    failure.c.name == t.projection.c.name,
    failure.c.gen == t.projection.c.gen).exists().label("failed")
TRACKING = select(t.projection.c.position, t.projection.c.status, _FAILED).where(
    _tracking_row())
TRACKING_FOR_UPDATE = TRACKING.with_for_update(of=t.projection)
# SQLite: writing first takes the database's write lock before anything is read; the write
# returns the tracking row (one statement, where an UPDATE and then TRACKING took two).
# Written out: SQLAlchemy renders RETURNING's columns unqualified, which would make the
# subquery compare the failure table's columns with themselves.
TOUCH = text(
    f"UPDATE {t.projection.name} SET updated_at = :at"
    f" WHERE {t.projection.name}.name = :n AND {t.projection.name}.gen = :g"
    f" RETURNING position, status, EXISTS (SELECT 1 FROM {failure.name}"
    f" WHERE {failure.name}.name = {t.projection.name}.name"
    f" AND {failure.name}.gen = {t.projection.name}.gen) AS failed",
).bindparams(bindparam("at", type_=t.projection.c.updated_at.type))
ACTIVE = select(t.projection.c.gen, t.projection.c.position).where(
    t.projection.c.name == bindparam("n"), t.projection.c.status == "active")
ADVANCE = update(t.projection).where(_tracking_row()).values(
    position=bindparam("to"), updated_at=bindparam("at"))
# PostgreSQL: ADVANCE as a part of the statement that writes the batch's rows (`Writes.also`).
ADVANCE_PG = (f"UPDATE {t.projection.name} SET updated_at = %s, position = %s"
              f" WHERE name = %s AND gen = %s")
_AT = t.projection.c.updated_at.type._cached_bind_processor(postgresql.dialect()) or (
    lambda value: value)


def mark_versioned(conn: Connection, name: str, gen: int) -> None:
    """A new generation of `assessments` holds every kind of history from its first event."""
    if name == ASSESSMENTS:
        conn.execute(delete(t.versioned).where(t.versioned.c.gen == gen))
        conn.execute(insert(t.versioned), [{"gen": gen, "kind": kind}
                                           for kind in (*t.HISTORY, *t.VERSION_MARKS)])


def versioned(conn: Connection, gen: int, kind: str) -> bool:
    """Whether generation `gen` of `assessments` holds the versions of `kind` (else it was
    built before that kind existed: see `tables.versioned`)."""
    return conn.execute(select(t.versioned.c.gen).where(
        t.versioned.c.gen == gen, t.versioned.c.kind == kind)).first() is not None


def now() -> datetime:
    return datetime.now(timezone.utc)


# -- the event index's writes, public for a scratch rebuild (integrity.scratch) too --

def index_events(conn: Connection, gen: int, events: list[tuple[int, Any]]) -> None:
    """Write the event index's rows of decoded events (position, event) into generation `gen`,
    which holds the rows of every event before them."""
    insert_rows(conn, t.event, event_index_rows(conn, gen, events))


def named_agency(ev: Any) -> str | None:
    """The agency an event names itself, if any (else its stream's is looked up)."""
    return getattr(ev, "credit_code", None) or getattr(ev, "agency", None)


def event_index_rows(conn: Connection, gen: int, events: list[tuple[int, Any]]) -> list[dict]:
    """The event index's rows of decoded events; each event's agency, where the event does
    not name one, is its stream's (from the rows already in generation `gen`, or the events)."""
    known: dict[str, str | None] = {}
    # The streams of the events that take their stream's agency: only those are looked up.
    needed = {str(ev.originator_id) for _, ev in events
              if not named_agency(ev) and type(ev).__name__ not in NO_AGENCY_OF_STREAM}
    if needed:
        known.update(stream_agencies(conn, gen, needed))
    rows = []
    for position, ev in events:
        oid, name = str(ev.originator_id), type(ev).__name__
        agency = named_agency(ev)
        if name in NO_AGENCY_OF_STREAM:
            known.setdefault(oid, None)
        else:
            agency = agency or known.get(oid)
            known.setdefault(oid, agency)
        rows.append({"gen": gen, "position": position, "recorded_at": ev.timestamp,
                     "recorded_by": ev.recorded_by, "event": name, "originator_id": oid,
                     "agency": agency, "data": dumps(event_data(ev))})
    return rows


def _stream_agencies_query(dialect: str) -> Any:
    e = t.event.c
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY
        streams = func.unnest(bindparam("oids", type_=ARRAY(String))).table_valued(
            "oid").render_derived(name="w")
        oid = streams.c.oid
    else:  # SQLite: the list as one JSON array, a row each
        streams = func.json_each(bindparam("oids")).table_valued("value").alias("w")
        oid = streams.c.value
    # '' for a row without an agency, NULL for a stream without rows (never an agency's code)
    first = select(func.coalesce(e.agency, literal_column("''"))).where(
        e.gen == bindparam("g"), e.originator_id == oid).limit(1).scalar_subquery()
    return select(oid, first)


_STREAM_AGENCIES: dict[str, Any] = {}


def stream_agencies(conn: Connection, gen: int, oids: set[str]) -> dict[str, str | None]:
    """The agency of each of these streams that generation `gen` holds rows of, from one of
    its rows: one index lookup a stream (`rm_event_originator`, LIMIT 1) instead of every
    earlier row of it, which grow with the log (an agency's stream). Asked only for streams
    with events that name no agency (`event_index_rows`), whose rows all hold the agency the
    stream's first event named (an agency's, a deduction's) or none (a publication's)."""
    dialect = conn.dialect.name
    query = _STREAM_AGENCIES.get(dialect)
    if query is None:
        query = _STREAM_AGENCIES[dialect] = _stream_agencies_query(dialect)
    listed = sorted(oids) if dialect == "postgresql" else orjson.dumps(sorted(oids)).decode()
    return {oid: agency or None
            for oid, agency in conn.execute(query, {"g": gen, "oids": listed})
            if agency is not None}


def history_kinds(conn: Connection, gen: int) -> frozenset[str]:
    """The kinds of history `gen` holds from its first event (see `tables.versioned`)."""
    c = t.versioned.c
    return frozenset(conn.execute(select(c.kind).where(c.gen == gen)).scalars())


# The most agencies the fold's model is kept with between batches. A kept model spares the
# next batch loading and decoding the agencies it touches again; past this many (a long-running
# projector touches every agency in time: gigabytes at nation scale) it is let go after its
# batch and the next batch starts a model from the stored states, as after a restart.
KEEP_AGENCIES = 2_000


class Projections:
    """Runs the projections against the ledger's database; safe across threads and processes."""

    def __init__(self, ledger: Any) -> None:
        self.ledger = ledger
        self.engine = ledger.engine
        self.events = ledger.recorder.events_record_cls.__table__
        self._table = ledger.recorder.qualified_table()
        self.decoder = EventDecoder(ledger.mapper)
        self._lock = threading.RLock()
        self._models: dict[tuple[str, int], LedgerModel] = {}
        self.reached: dict[tuple[str, int], int] = {}  # (name, gen) -> last position applied here
        p = t.projection.c
        self._positions = select(  # built once (see TRACKING)
            p.name, p.gen, p.position,
            select(func.max(self.events.c.id)).scalar_subquery().label("head"),
        ).where(p.status == "active")
        self._create_tables()

    def _create_tables(self) -> None:
        """Create the tables and first generations; another process may be doing it too."""
        if self._tables_ready():
            return
        for attempt in range(5):
            try:
                # Tables and first generations in one transaction under the schema lock.
                with schema_transaction(self.engine) as conn:
                    t.metadata.create_all(conn, checkfirst=True)
                    for name in NAMES:
                        if conn.execute(select(t.projection.c.gen).where(
                                t.projection.c.name == name)).first() is None:
                            conn.execute(insert(t.projection).values(
                                name=name, gen=1, position=0, status="active",
                                started_at=now(), updated_at=now()))
                            mark_versioned(conn, name, 1)
                return
            except DBAPIError:
                if attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def _tables_ready(self) -> bool:
        """Every table and both first generations exist (read without the schema lock: they
        are created together in one transaction, so seeing them means they are complete)."""
        with self.engine.connect() as conn:
            if not all(conn.dialect.has_table(conn, table.name)
                       for table in t.metadata.sorted_tables):
                return False
            names = {r.name for r in conn.execute(select(t.projection.c.name).distinct())}
        return names >= set(NAMES)

    # -- reading the log ------------------------------------------------------------------

    def head(self, conn: Connection | None = None) -> int:
        """The newest log position (0 for an empty log)."""
        query = select(func.max(self.events.c.id))
        if conn is not None:
            return conn.execute(query).scalar() or 0
        with self.engine.connect() as c:
            return c.execute(query).scalar() or 0

    def decode(self, rows: list[tuple]) -> list[tuple[int, Any]]:
        """(position, domain event) for rows (id, originator_id, version, topic, state)."""
        return self.decoder.decode(rows)

    def fetch(self, conn: Connection, after: int, limit: int) -> list[tuple]:
        """The next stored events after `after`, as plain rows (no SQL compiled per call).

        `after` and `limit` are integers, so they are written into the statement.
        """
        # Through SQLAlchemy, not a raw cursor, so a dropped connection is noticed and discarded.
        return conn.exec_driver_sql(
            f"SELECT id, originator_id, originator_version, topic, state FROM {self._table} "
            f"WHERE id > {int(after)} ORDER BY id LIMIT {int(limit)}").fetchall()

    def read_events(self, conn: Connection, after: int, limit: int) -> list[tuple[int, Any]]:
        return self.decode(self.fetch(conn, after, limit))

    # -- tracking -------------------------------------------------------------------------

    def active(self, name: str, conn: Connection | None = None) -> tuple[int, int]:
        """(generation, position) of the generation that serves reads."""
        if conn is not None:
            row = conn.execute(ACTIVE, {"n": name}).one()
        else:
            with self.engine.connect() as c:
                row = c.execute(ACTIVE, {"n": name}).one()
        return row.gen, row.position

    def positions(self) -> tuple[int, dict[str, tuple[int, int]]]:
        """The log head and each projection's active (generation, position), in one query."""
        with self.engine.connect() as conn:
            rows = conn.execute(self._positions).all()
        return (rows[0].head or 0) if rows else 0, {r.name: (r.gen, r.position) for r in rows}

    def _lock_tracking(self, conn: Connection, name: str, gen: int) -> Any:
        """The generation's tracking row, locked; None when a rebuild's switch has retired
        and deleted that generation since the caller chose it."""
        key = {"n": name, "g": gen}
        if self.engine.dialect.name == "sqlite":
            return conn.execute(TOUCH, {**key, "at": now()}).first()
        return conn.execute(TRACKING_FOR_UPDATE, key).first()

    def process_batch(self, name: str, gen: int, limit: int = BATCH) -> int:
        """Apply the next events to one generation and advance its tracking, atomically.

        An event the model cannot apply is never passed over: the events before it are
        applied, its position and the error are kept (`failures.py`, shown by `status`) and
        ProjectionFailed is raised; the generation stays before it.
        """
        try:
            return self._process_batch(name, gen, limit)
        except (OperationalError, ProjectionFailed, RebuildConflict):
            raise  # the database is unavailable or busy: nothing is wrong with the events
        except Exception as error:
            if limit > 1:
                for _ in range(limit):  # one at a time, up to the event that fails
                    if self.process_batch(name, gen, limit=1) == 0:
                        break
                raise  # it did not fail again one event at a time
            position = self._next_position(name, gen)
            record_failure(self.engine, name, gen, position, describe(error))
            raise ProjectionFailed(name, position, describe(error)) from error

    def _next_position(self, name: str, gen: int) -> int:
        p = t.projection.c
        with self.engine.connect() as conn:
            after = conn.execute(select(p.position).where(p.name == name, p.gen == gen)).scalar()
            rows = self.fetch(conn, after or 0, 1)
        return rows[0][0] if rows else (after or 0) + 1

    def _process_batch(self, name: str, gen: int, limit: int) -> int:
        with self._lock:
            key = (name, gen)
            try:
                with self.engine.begin() as conn:
                    row = self._lock_tracking(conn, name, gen)
                    if row is None or row.status == "retired":
                        return 0  # switched away from: the caller reads the active one again
                    events = self.read_events(conn, row.position, limit)
                    if not events:
                        return 0
                    writes = Writes(conn)
                    if name == ASSESSMENTS:
                        model = self._models.get(key)
                        if model is None or model.position != row.position:
                            model = LedgerModel(history=True)
                            model.position = row.position
                            model.complete = row.position == 0
                        self._apply_assessments(conn, gen, model, events, writes)
                        if len(model.agencies) <= KEEP_AGENCIES:
                            self._models[key] = model
                        else:  # let go: the next batch loads only what it touches
                            self._models.pop(key, None)
                    else:
                        writes.insert(t.event, event_index_rows(conn, gen, events))
                    advance = {"n": name, "g": gen, "to": events[-1][0], "at": now()}
                    if writes.together:  # PostgreSQL: with the rows, one round trip
                        writes.also(ADVANCE_PG, (
                            _AT(advance["at"]), advance["to"], name, gen))
                    else:
                        conn.execute(ADVANCE, advance)
                    writes.flush()
                    if row.failed:
                        clear_failure(conn, name, gen)
                self.reached[key] = events[-1][0]
                return len(events)
            except BaseException:
                self._models.pop(key, None)  # the model may hold changes that were rolled back
                raise

    def _apply_assessments(self, conn: Connection, gen: int, model: LedgerModel,
                           events: list[tuple[int, Any]], writes: Writes | None = None) -> None:
        """Fold the events into `model` and write the rows they changed; the last rows through
        `writes` when given (the caller flushes it)."""
        load_needed(conn, gen, model, events)
        changes = Changes()
        for position, event in events:
            model.apply(position, event, changes)
            if changes.publications:
                # Freeze the standings exactly as they stand at the publication: from the
                # model when it holds every agency, else from the rows written so far.
                if model.complete:
                    freeze_publications(conn, gen, model, changes)
                    continue
                write_changes(conn, gen, model, changes)
                for publication in changes.publications:
                    write_publication(conn, gen, publication)
                changes = Changes()
        write_changes(conn, gen, model, changes, writes=writes)

    # -- catching up and rebuilding -------------------------------------------------------

    def catch_up(self, name: str | None = None, until: int | None = None) -> None:
        """Apply every pending event to the active generation(s)."""
        for each in ([name] if name else NAMES):
            while True:
                gen, position = self.active(each)
                if until is not None and position >= until:
                    break
                if self.process_batch(each, gen) == 0 and self.active(each)[0] == gen:
                    break  # nothing left (a switch to another generation goes round again)

    def rebuild(self, name: str, progress: Callable[[int, int], None] | None = None) -> int:
        """Build a new generation from the first event, then switch reads to it.

        A generation left half-built by a crash is resumed, not restarted.
        """
        p = t.projection.c
        with self.engine.begin() as conn:
            row = conn.execute(select(p.gen).where(p.name == name,
                                                   p.status == "building")).first()
            if row is None:
                gen = (conn.execute(select(func.max(p.gen))).scalar() or 0) + 1
                conn.execute(insert(t.projection).values(
                    name=name, gen=gen, position=0, status="building", started_at=now(),
                    updated_at=now()))
                mark_versioned(conn, name, gen)
            else:
                gen = row.gen
        if name == ASSESSMENTS:
            self.bulk_rebuild(gen, progress).run()
        else:
            self._rebuild_event_index(gen, progress)
        with self.engine.begin() as conn:
            self._lock_tracking(conn, name, gen)
            conn.execute(update(t.projection).where(p.name == name, p.status == "active")
                         .values(status="retired", updated_at=now()))
            conn.execute(update(t.projection).where(p.name == name, p.gen == gen)
                         .values(status="active", updated_at=now()))
            # This switch's retired generation, and any a crash left half-deleted before.
            old = conn.execute(select(p.gen).where(p.name == name,
                                                   p.status == "retired")).all()
        if old:
            # A read that chose the old generation just before the switch finishes on
            # complete rows: its rows are deleted only after a grace period.
            time.sleep(RETIRED_GRACE)
        self.drop_generations(name, [r.gen for r in old])
        self.catch_up(name)
        return gen

    def _rebuild_event_index(self, gen: int,
                             progress: Callable[[int, int], None] | None = None) -> None:
        """Fill a building generation of the event index in large batches.

        Each batch is read, decoded and turned into rows before its write transaction, which
        then only inserts them and advances the tracking position (checked unchanged): on
        SQLite the write lock is held for the insert alone, so the other model's rebuild and
        the writers are not kept waiting while this one decodes.
        """
        p = t.projection.c
        total = self.head()
        while True:
            with self.engine.connect() as conn:
                position = conn.execute(select(p.position).where(
                    p.name == EVENT_INDEX, p.gen == gen)).scalar()
                events = self.read_events(conn, position, REBUILD_BATCH)
                rows = event_index_rows(conn, gen, events) if events else []
            if not events:
                return
            self._write_event_index_batch(gen, position, events[-1][0], rows)
            if progress is not None:
                progress(events[-1][0], max(total, events[-1][0]))

    def _write_event_index_batch(self, gen: int, position: int, last: int, rows: list[dict],
                                 attempts: int = 20) -> None:
        """Insert one decoded batch and advance the tracking, in one transaction.

        On SQLite a long transaction elsewhere (the assessments rebuild's checkpoint at nation
        scale holds the write lock for minutes) outlasts the busy timeout: the batch is already
        decoded, so the transaction is simply tried again.
        """
        p = t.projection.c
        for attempt in range(attempts):
            try:
                with self.engine.begin() as conn:
                    row = self._lock_tracking(conn, EVENT_INDEX, gen)
                    if row is None or row.position != position or row.status == "retired":
                        raise RebuildConflict(
                            f"generation {gen} of {EVENT_INDEX} is "
                            f"{'gone' if row is None else f'at {row.position} ({row.status})'}"
                            f", not at {position}: another rebuild is building it")
                    insert_rows(conn, t.event, rows)
                    conn.execute(update(t.projection).where(p.name == EVENT_INDEX,
                                                            p.gen == gen)
                                 .values(position=last, updated_at=now()))
                return
            except OperationalError as error:
                if "locked" not in str(error) or attempt == attempts - 1:
                    raise
                time.sleep(1.0)

    def bulk_rebuild(self, gen: int,
                     progress: Callable[[int, int], None] | None = None) -> Any:
        """The full-rebuild path of the assessments model (a seam tests replace): one pass,
        or shards of the agencies when they are many (`bulk.assessments_rebuild`)."""
        return assessments_rebuild(self, gen, progress)

    def drop_generations(self, name: str, gens: list[int]) -> None:
        """Delete the rows of retired generations, then their tracking rows.

        Nobody reads a retired generation, so its rows need not go in one transaction. On
        SQLite they are deleted `DROP_CHUNK` at a time, each its own transaction: at nation
        scale a generation is millions of rows, and one DELETE would hold the database's only
        write lock for minutes, failing every writer (and the other model's rebuild) that waits
        longer than the busy timeout. The tracking rows go last, so a crash part-way leaves the
        generation `retired`, and the next switch of that model deletes the rest.
        """
        if not gens:
            return
        chunked = self.engine.dialect.name == "sqlite"
        for table in TABLES[name]:
            if not chunked:
                with self.engine.begin() as conn:
                    conn.execute(delete(table).where(table.c.gen.in_(gens)))
                continue
            rowid = literal_column("rowid")
            chunk = delete(table).where(rowid.in_(
                select(rowid).select_from(table).where(table.c.gen.in_(gens)).limit(DROP_CHUNK)))
            while True:
                with self.engine.begin() as conn:
                    if conn.execute(chunk).rowcount == 0:
                        break
        with self.engine.begin() as conn:
            for gen in gens:
                clear_failure(conn, name, gen)
            conn.execute(delete(t.projection).where(t.projection.c.name == name,
                                                    t.projection.c.gen.in_(gens)))
            if name == ASSESSMENTS:
                conn.execute(delete(t.versioned).where(t.versioned.c.gen.in_(gens)))
                conn.execute(delete(t.projection).where(  # a sharded rebuild's, if any left
                    t.projection.c.name.startswith(f"{ASSESSMENTS} shard "),
                    t.projection.c.gen.in_(gens)))
        for gen in gens:
            self._models.pop((name, gen), None)

    def status(self) -> list[dict]:
        """Each projection's name, position, lag and status."""
        head = self.head()
        p = t.projection.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.projection).order_by(p.name, p.gen)).all()
            failed = failures(conn)
        result = []
        for name in NAMES:
            mine = [r for r in rows if r.name == name]
            active = next(r for r in mine if r.status == "active")
            building = next((r for r in mine if r.status == "building"), None)
            failure = failed.get((name, active.gen))
            rebuilt = None if building is None else building.position
            if building is not None and name == ASSESSMENTS:
                # A generation built in shards stays at 0 until its last shard ends; its
                # shards' rows say how far it has got.
                sharded = shards_position([r for r in rows if r.gen == building.gen])
                rebuilt = rebuilt if sharded is None else max(rebuilt, sharded)
            result.append({
                "name": name, "position": active.position, "lag": head - active.position,
                "status": "failed" if failure else "rebuilding" if building else
                ("up_to_date" if active.position >= head else "catching_up"),
                "failure": failure,
                "generation": active.gen,
                "rebuild_position": rebuilt,
            })
        return result

    def follow(self, stop: threading.Event, interval: float = 0.5) -> None:
        """Keep every projection caught up until `stop` is set (polls the log)."""
        while not stop.is_set():
            head = self.head()
            for name in NAMES:
                if self.active(name)[1] < head:
                    self.catch_up(name)
            stop.wait(interval)
