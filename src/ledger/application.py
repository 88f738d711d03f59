"""The application layer: every command the API and the CLI may give, and nothing else."""

from __future__ import annotations

import gc
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import JSONTranscoder, RecordConflictError
from sqlalchemy.exc import DatabaseError

from ledger.config import database_url, today_in_china, with_busy_timeout
from ledger.domain.agency import Agency
from ledger.domain.catalogue import Catalogue
from ledger.domain.deduction import Deduction, deduction_id_for
from ledger.domain.errors import ConcurrentChange, NotFound
from ledger.domain.ruleset import RuleSet
from ledger.domain.training import TrainingSession
from ledger.commands.agencies import AgencyCommands
from ledger.commands.calendars import CalendarCommands
from ledger.commands.deductions import DeductionCommands
from ledger.commands.inspections import InspectionCommands
from ledger.commands.publications import PublicationCommands
from ledger.commands.results import ResultsCommands
from ledger.commands.training import TrainingCommands
from ledger.receipts import saving
from ledger.transcodings import CanonicalMapper, DateAsISO

T = TypeVar("T")
RETRIES = 12
BACKOFF_CAP = 0.25  # seconds
SCHEMA_RACE = ("already exists", "pg_type_typname_nsp_index")


@dataclass(frozen=True)
class Recorded:
    """What a successful command recorded: the resource id, its log position and time."""

    id: str
    position: int
    recorded_at: datetime
    data: dict[str, Any] = field(default_factory=dict)


def parse_uuid(kind: str, value: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound(f"No {kind} with id {value!r}.") from None


@lru_cache(maxsize=1 << 17)
def agency_id(code: str) -> UUID:
    """Agency.create_id, remembered: a name-based UUID costs a SHA-1 per command otherwise."""
    return Agency.create_id(code)


RULE_SET_ID = RuleSet.create_id()


class Ledger(AgencyCommands, DeductionCommands, TrainingCommands, PublicationCommands,
             ResultsCommands, InspectionCommands, CalendarCommands, Application):
    """The assessment ledger's write side on the eventsourcing library."""

    name = "Ledger"

    def __init__(self, url: str | None = None, today: Callable[[], date] = today_in_china,
                 env: dict[str, str] | None = None) -> None:
        settings = {"PERSISTENCE_MODULE": "ledger.integrity.persistence",
                    "SQLALCHEMY_URL": with_busy_timeout(url) if url else database_url()}
        settings.update(env or {})
        super().__init__(env=settings)
        self.today = today
        self._batch = threading.local()

    def construct_recorder(self):
        """The recorder, creating the schema on first use even when workers start at once."""
        for attempt in range(3):
            try:
                return super().construct_recorder()
            except DatabaseError as error:
                # Two processes on a new store can both see "no table" and race to create it;
                # the loser's retry finds the table.
                if attempt == 2 or not any(s in str(error) for s in SCHEMA_RACE):
                    raise

    def construct_mapper(self):
        """eventsourcing's mapper writing canonical JSON, so the chain need not re-encode it."""
        return self.factory.mapper(transcoder=self.construct_transcoder(),
                                   mapper_class=CanonicalMapper)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    @property
    def engine(self):
        """The SQLAlchemy engine the event store uses (read models share it)."""
        return self.recorder.datastore.engine

    # -- plumbing -------------------------------------------------------------------------

    def _commit(self, *aggregates: Any, resource_id: str, **data: Any) -> Recorded:
        batch = getattr(self._batch, "current", None)
        if batch is not None:
            return batch.add(aggregates, Recorded(resource_id, 0, aggregates[-1]
                                                  .pending_events[-1].timestamp, data))
        saving(resource_id, aggregates[-1].pending_events[-1].timestamp)
        recordings = self.save(*aggregates)
        last = recordings[-1]
        return Recorded(resource_id, last.notification.id, last.domain_event.timestamp, data)

    @contextmanager
    def batch(self, keep: int = 2) -> Iterator[Batch]:
        """Commands given inside are checked as usual but saved together in one transaction.

        Aggregates stay loaded for the whole batch, so later commands see earlier ones.
        A command's Recorded has position 0 until it is saved; `Batch.recorded` then holds
        the ones saved last with their positions. An exception raised out of the block saves
        nothing that was not flushed; `Batch.cancel()` saves nothing either.

        `Batch.flush()` saves what is pending in one transaction and keeps going: a long bulk
        run (the demo) flushes every few tens of thousands of commands and keeps the
        aggregates used in the last `keep` flushes loaded, so they are not read again.
        `Batch.savepoint()` and `Batch.rollback()` undo part of a batch (a refused row).
        """
        if getattr(self._batch, "current", None) is not None:
            raise RuntimeError("batches do not nest")
        batch = self._batch.current = Batch(self, keep)
        try:
            yield batch
            batch.save()
        finally:
            self._batch.current = None
            batch.close()

    def _record_events(self, events: list[Any]) -> list[int]:
        """Store domain events in one transaction; their log positions.

        What `Application.save` does for events, without its per-event protocol checks and
        Recording objects (this application takes no snapshots, keeps no aggregate cache and
        has no followers to notify): map each to a stored event, insert them all at once.
        """
        mapper = self.mapper
        return list(self.recorder.insert_events([mapper.to_stored_event(e) for e in events]))

    def _load(self, aggregate_id: UUID) -> Any:
        batch = getattr(self._batch, "current", None)
        if batch is None:
            return self.repository.get(aggregate_id)
        return batch.load(aggregate_id)

    def _retrying(self, attempt: Callable[[], T]) -> T:
        """Run a get–decide–save attempt again when another writer got there first."""
        for tries in range(RETRIES):
            try:
                return attempt()
            except RecordConflictError:
                # Jittered exponential backoff, so writers that collided do not collide again.
                time.sleep(random.uniform(0, min(BACKOFF_CAP, 0.002 * 2 ** tries)))
        raise ConcurrentChange("The record was changed by others at the same time; try again.")

    def _get(self, kind: str, aggregate_id: UUID, label: str, cls: type[T]) -> T:
        try:
            found = self._load(aggregate_id)
        except AggregateNotFoundError:
            found = None
        # An id of another kind of record (a session's id given as a deduction's) is unknown too.
        if not isinstance(found, cls):
            raise NotFound(f"No {kind} {label}.")
        return found

    def agency(self, code: str) -> Agency:
        """The Agency aggregate for a credit code, or NotFound."""
        return self._get("agency", agency_id(code), f"with credit code {code}", Agency)

    def deduction(self, deduction_id: str) -> Deduction:
        return self._get("deduction", parse_uuid("deduction", deduction_id), deduction_id,
                         Deduction)

    def deduction_of_dispute(self, dispute_id: str) -> Deduction:
        ded_id = deduction_id_for(parse_uuid("dispute", dispute_id))
        deduction = self._get("dispute", ded_id, dispute_id, Deduction)
        if deduction.dispute is None:
            raise NotFound(f"No dispute {dispute_id}.")
        return deduction

    def training_session(self, session_id: str) -> TrainingSession:
        return self._get("training session", parse_uuid("training session", session_id),
                         session_id, TrainingSession)

    def catalogue(self) -> Catalogue:
        try:
            rules = self._load(RULE_SET_ID)
        except AggregateNotFoundError:
            rules = None
        batch = getattr(self._batch, "current", None)
        if batch is None:
            return Catalogue() if rules is None else rules.catalogue()
        # A batch builds the catalogue once per state of the rule set it has loaded.
        key = None if rules is None else (id(rules), rules.version)
        if batch.catalogue is None or batch.catalogue[0] != key:
            batch.catalogue = (key, Catalogue() if rules is None else rules.catalogue())
        return batch.catalogue[1]

    def exists(self, aggregate_id: UUID) -> bool:
        batch = getattr(self._batch, "current", None)
        if batch is not None:
            return batch.exists(aggregate_id)
        return bool(self.recorder.select_events(aggregate_id, limit=1))


@contextmanager
def bulk_collection(threshold: int = 50_000) -> Iterator[Callable[[], None]]:
    """Garbage collection for a process doing one bulk job (`ledger demo`, `ledger import`).

    A bulk job allocates millions of objects that live until it ends (loaded aggregates,
    pending events): the collector would scan them over and over. Inside, the youngest
    generation is collected every `threshold` allocations instead of 700, and the function
    yielded freezes what is alive (call it after a flush), so later collections skip it.
    Cycles are still collected; everything is unfrozen and the thresholds restored at the end.
    """
    before = gc.get_threshold()
    gc.set_threshold(threshold, before[1], before[2])
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


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

    def __init__(self, ledger: Ledger, keep: int = 2) -> None:
        self.ledger, self.keep = ledger, keep
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
        to_event = self.ledger.mapper.to_domain_event
        return project(None, [to_event(s) for s in self._select(aggregate_id)])

    def _select(self, aggregate_id: UUID, limit: int | None = None) -> list[Any]:
        return self.ledger.recorder.stored_events_of(self._reading(), aggregate_id, limit)

    def _reading(self) -> Any:
        # One autocommit connection for the batch's reads: each SELECT sees what is
        # committed, including the batch's own flushes; no transaction is held open.
        if self._reader is None:
            self._reader = self.ledger.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT")
        return self._reader

    def look_up(self, aggregate_ids: Iterable[UUID], chunk: int = 500) -> None:
        """Ask the store at once which of these aggregates exist (a bulk import's ids derived
        from its rows); the others are known absent, so `exists` need not ask for each."""
        unknown = list({i for i in aggregate_ids if i not in self.aggregates})
        for start in range(0, len(unknown), chunk):
            some = unknown[start:start + chunk]
            stored = self.ledger.recorder.stored_ids(self._reading(), some)
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
                positions = self.ledger._record_events(self.events)
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
