"""The write side's unit of work: what a command recorded, and `Ledger.batch()`'s batch.

A command's save answers `Recorded`. Inside `Ledger.batch()` commands are checked one by one as
usual, but their events wait in a `Batch` and are saved together, in one transaction per flush
(an import's rows, the demo's history). Nothing here imports the Ledger: a batch needs only the
event store (`EventStore`), and the commands import `Recorded` from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from ledger.domain.catalogue import Catalogue
from ledger.domain.errors import ConcurrentChange


@dataclass(frozen=True)
class Recorded:
    """What a successful command recorded: the resource id, its log position and time."""

    id: str
    position: int
    recorded_at: datetime
    data: dict[str, Any] = field(default_factory=dict)


class EventStore(Protocol):
    """What a batch uses of the Ledger: its mapper, its (hash-chained) recorder, its engine."""

    mapper: Any
    recorder: Any

    @property
    def engine(self) -> Any: ...


def record_events(store: EventStore, events: list[Any]) -> list[int]:
    """Store domain events in one transaction; their log positions.

    What `Application.save` does for events, without its per-event protocol checks and
    Recording objects (this application takes no snapshots, keeps no aggregate cache and
    has no followers to notify): map each to a stored event, insert them all at once.
    """
    mapper = store.mapper
    return list(store.recorder.insert_events([mapper.to_stored_event(e) for e in events]))


def project(aggregate: Any, events: Any) -> Any:
    """Apply events to an aggregate (None before its first): eventsourcing's projector less its
    per-event protocol assertion."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class Batch:
    """The aggregates, pending events and results of one `Ledger.batch()`.

    `aggregates` holds every aggregate the batch loaded or created (None: known absent), in
    the state its accepted commands left it; `events` the events not saved yet, in the order
    the commands were given (the log's order).
    """

    def __init__(self, store: EventStore, keep: int = 2) -> None:
        self.store, self.keep = store, keep
        self.aggregates: dict[UUID, Any] = {}
        self.recorded: list[Recorded] = []
        self.events: list[Any] = []
        self.cancelled = False
        self.catalogue: tuple[Any, Catalogue] | None = None  # (rule set state, its catalogue)
        self.working_calendar: Any = None  # the calendars in use, read once per batch
        self._reader: Any = None
        self._last: list[int] = []  # index in `events` of each recorded command's last event
        self._used: dict[UUID, int] = {}  # flush generation in which each aggregate was used
        self._generation = 0
        self.savepoint()

    # -- reading --------------------------------------------------------------------------

    def load(self, aggregate_id: UUID) -> Any:
        """The batch's aggregate, loaded from the store the first time; raises when absent."""
        try:
            found = self.aggregates[aggregate_id]
        except KeyError:
            found = self.aggregates[aggregate_id] = self._stored(aggregate_id)
        self._used[aggregate_id] = self._generation
        self._touched.append((aggregate_id, None if found is None else found.version))
        if found is None:
            raise AggregateNotFoundError(aggregate_id)
        return found

    def exists(self, aggregate_id: UUID) -> bool:
        if aggregate_id not in self.aggregates:
            if self._select(aggregate_id, limit=1):
                return True
            self.aggregates[aggregate_id] = None  # known absent until created in the batch
            self._used[aggregate_id] = self._generation
        return self.aggregates[aggregate_id] is not None

    def _stored(self, aggregate_id: UUID) -> Any:
        """The aggregate as stored (None if it has no events), as the repository would give it."""
        to_event = self.store.mapper.to_domain_event
        return project(None, [to_event(s) for s in self._select(aggregate_id)])

    def _select(self, aggregate_id: UUID, limit: int | None = None) -> list[Any]:
        return self.store.recorder.stored_events_of(self._reading(), aggregate_id, limit)

    def _reading(self) -> Any:
        # One autocommit connection for the batch's reads: each SELECT sees what is
        # committed, including the batch's own flushes; no transaction is held open.
        if self._reader is None:
            self._reader = self.store.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT")
        return self._reader

    def look_up(self, aggregate_ids: Iterable[UUID], chunk: int = 500) -> None:
        """Ask the store at once which of these aggregates exist (a bulk import's ids derived
        from its rows); the others are known absent, so `exists` need not ask for each."""
        unknown = list({i for i in aggregate_ids if i not in self.aggregates})
        for start in range(0, len(unknown), chunk):
            some = unknown[start:start + chunk]
            stored = self.store.recorder.stored_ids(self._reading(), some)
            for aggregate_id in some:
                if aggregate_id not in stored:
                    self.aggregates[aggregate_id] = None
                    self._used[aggregate_id] = self._generation

    def close(self) -> None:
        """Give back the batch's reading connection."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    # -- recording ------------------------------------------------------------------------

    def add(self, aggregates: tuple[Any, ...], recorded: Recorded) -> Recorded:
        for aggregate in aggregates:
            if self.aggregates.get(aggregate.id) is None:
                self._created.add(aggregate.id)
            self.aggregates[aggregate.id] = aggregate
            self._used[aggregate.id] = self._generation
            self.events.extend(aggregate.collect_events())
        self._last.append(len(self.events) - 1)
        self.recorded.append(recorded)
        return recorded

    def savepoint(self) -> None:
        """Mark the batch as it is now: `rollback()` undoes everything given after it."""
        self._mark = (len(self.events), len(self.recorded))
        self._touched: list[tuple[UUID, int | None]] = []  # loaded since, version then
        self._created: set[UUID] = set()

    def rollback(self) -> None:
        """Undo every command since the savepoint, accepted or refused half-way.

        Aggregates created since are forgotten; aggregates changed since (by an accepted
        command, or by a refused one after it triggered an event) are rebuilt from the store
        and the batch's earlier events. Aggregates only read are kept as they are.
        """
        events, recorded = self._mark
        del self.events[events:], self.recorded[recorded:], self._last[recorded:]
        for aggregate_id in self._created:
            self.aggregates.pop(aggregate_id, None)
        seen: set[UUID] = set()
        for aggregate_id, version in self._touched:  # the first load since tells the version
            aggregate = self.aggregates.get(aggregate_id)
            if aggregate_id in seen or aggregate_id in self._created or aggregate is None:
                continue
            seen.add(aggregate_id)
            if aggregate.version != version or aggregate.pending_events:
                self.aggregates[aggregate_id] = project(
                    self._stored(aggregate_id),
                    [e for e in self.events if e.originator_id == aggregate_id])
        self.savepoint()

    def pending(self) -> int:
        """How many events wait to be saved."""
        return len(self.events)

    def cancel(self) -> None:
        """Save nothing more: the batch ends without saving what is pending."""
        self.cancelled = True
        self.events, self.recorded, self._last, self.aggregates = [], [], [], {}
        self.savepoint()

    def flush(self) -> list[Recorded]:
        """Save the pending events in one transaction; the commands' Recorded, with positions.

        The aggregates stay loaded (those unused in the last `keep` flushes are let go). If
        the save fails nothing of it is recorded and the batch is spent: its aggregates hold
        events the store does not.
        """
        if self.cancelled:
            raise RuntimeError("the batch was cancelled")
        saved: list[Recorded] = []
        if self.events:
            try:
                positions = record_events(self.store, self.events)
            except RecordConflictError:
                self.cancel()
                raise ConcurrentChange("Records in the batch were changed by others at the "
                                       "same time; nothing in it was saved.") from None
            except BaseException:
                self.cancel()
                raise
            saved = [Recorded(r.id, positions[i], r.recorded_at, r.data)
                     for r, i in zip(self.recorded, self._last, strict=True)]
        self.events, self.recorded, self._last = [], [], []
        self._generation += 1
        oldest = self._generation - self.keep
        stale = [k for k, used in self._used.items() if used < oldest]
        for aggregate_id in stale:
            del self._used[aggregate_id]
            self.aggregates.pop(aggregate_id, None)
        self.savepoint()
        return saved

    def save(self) -> None:
        """Save what is pending (the end of the batch); `recorded` then holds it, positioned."""
        if not self.cancelled:
            self.recorded = self.flush()
