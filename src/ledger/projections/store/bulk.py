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
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from ledger.bulk_tuning import bulk_collection
from ledger.projections.store import tables as t
from ledger.projections.model.codec import agency_from_json
from ledger.projections.model.fold import Changes, LedgerModel
from ledger.projections.model.state import SessionState
from ledger.projections.model.views import forget_all_months
from ledger.projections.store.rows import insert_rows
from ledger.projections.store.writer import (
    attendance_rows, freeze_publications, restore_current, stream_rows, trail_rows,
    write_changes, write_versions,
)

READ_CHUNK = 20_000
APPEND_FLUSH = 50_000
CHECKPOINT_SECONDS = 300.0


class RebuildConflict(RuntimeError):
    """Another process advanced the generation this rebuild is building."""


class AssessmentsRebuild:
    """Builds one generation of the assessments read model from its tracked position."""

    def __init__(self, runner: Any, gen: int, progress: Callable[[int, int], None] | None = None,
                 checkpoint_seconds: float = CHECKPOINT_SECONDS,
                 checkpoint_events: int | None = None, chunk: int = READ_CHUNK,
                 append_flush: int = APPEND_FLUSH) -> None:
        self.runner, self.engine, self.gen = runner, runner.engine, gen
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
                events = self.runner.read_events(conn, model.position, self.chunk)
            if not events:
                break
            for pos, event in events:
                model.apply(pos, event, changes)
                if changes.publications:
                    # Frozen as the standings stand at the publication; the model holds all.
                    # Written at once (append-only, like the trail): at nation scale one
                    # publication's rows are 20,000 dicts.
                    with self.engine.begin() as conn:
                        freeze_publications(conn, self.gen, model, changes)
            folded += len(events)
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
        self._checkpoint(model, changes, position)
        return model

    def _start(self) -> tuple[LedgerModel, int]:
        """The model as of the generation's tracked position, rows after it removed."""
        model = LedgerModel(history=True)
        model.complete = True
        with self.engine.begin() as conn:
            row = self.runner._lock_tracking(conn, "assessments", self.gen)
            if row is None:
                raise RebuildConflict(f"generation {self.gen} of assessments is gone: "
                                      "another rebuild finished it")
            position = row.position
            if position == 0:
                for table in t.ASSESSMENT_TABLES:
                    conn.execute(delete(table).where(table.c.gen == self.gen))
            else:
                for table in (t.trail, t.attendance, t.publication):
                    conn.execute(delete(table).where(table.c.gen == self.gen,
                                                     table.c.position > position))
                for table in t.HISTORY.values():
                    conn.execute(delete(table).where(table.c.gen == self.gen,
                                                     table.c.valid_from > position))
                restore_current(conn, self.gen, position)
                self._load(conn, model)
        model.position = position
        return model, position

    def _load(self, conn: Connection, model: LedgerModel) -> None:
        for row in conn.execute(select(t.agency.c.state).where(t.agency.c.gen == self.gen)):
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
            row = self.runner._lock_tracking(conn, "assessments", self.gen)
            if row is None or row.position != expected or row.status == "retired":
                state = "gone" if row is None else f"at {row.position} ({row.status})"
                raise RebuildConflict(
                    f"generation {self.gen} of assessments is {state}, "
                    f"not at {expected}: another rebuild is building it")
            self._append(conn, changes)
            write_changes(conn, self.gen, model, changes, replace=expected > 0)
            conn.execute(update(t.projection).where(
                t.projection.c.name == "assessments", t.projection.c.gen == self.gen).values(
                position=model.position, updated_at=datetime.now(timezone.utc)))
        return model.position

