"""The application layer: every command the API and the CLI may give, and nothing else."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
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
from ledger.commands.deductions import DeductionCommands
from ledger.commands.publications import PublicationCommands
from ledger.commands.training import TrainingCommands
from ledger.transcodings import DateAsISO

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


class Ledger(AgencyCommands, DeductionCommands, TrainingCommands, PublicationCommands,
             Application):
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
        recordings = self.save(*aggregates)
        last = recordings[-1]
        return Recorded(resource_id, last.notification.id, last.domain_event.timestamp, data)

    @contextmanager
    def batch(self) -> Iterator[Batch]:
        """Commands given inside are checked as usual but saved together in one transaction.

        Aggregates stay loaded for the whole batch, so later commands see earlier ones.
        A command's Recorded has position 0 until the batch is saved; `Batch.recorded`
        then holds them with their positions. An exception raised out of the block saves
        nothing.
        """
        if getattr(self._batch, "current", None) is not None:
            raise RuntimeError("batches do not nest")
        batch = self._batch.current = Batch()
        try:
            yield batch
            batch.save(self)
        finally:
            self._batch.current = None

    def _load(self, aggregate_id: UUID) -> Any:
        batch = getattr(self._batch, "current", None)
        if batch is None:
            return self.repository.get(aggregate_id)
        if aggregate_id not in batch.aggregates:
            try:
                batch.aggregates[aggregate_id] = self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                batch.aggregates[aggregate_id] = None  # known absent until created in the batch
        found = batch.aggregates[aggregate_id]
        if found is None:
            raise AggregateNotFoundError(aggregate_id)
        return found

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
        return self._get("agency", Agency.create_id(code), f"with credit code {code}", Agency)

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
            return self._load(RuleSet.create_id()).catalogue()
        except AggregateNotFoundError:
            return Catalogue()

    def exists(self, aggregate_id: UUID) -> bool:
        batch = getattr(self._batch, "current", None)
        if batch is not None and aggregate_id in batch.aggregates:
            return batch.aggregates[aggregate_id] is not None
        return bool(self.recorder.select_events(aggregate_id, limit=1))


class Batch:
    """The aggregates and results of one `Ledger.batch()`: saved at once when it ends."""

    def __init__(self) -> None:
        self.aggregates: dict[UUID, Any] = {}
        self.recorded: list[Recorded] = []
        self.events: list[Any] = []  # in the order the commands were given: the log's order
        self._last: list[int] = []

    def add(self, aggregates: tuple[Any, ...], recorded: Recorded) -> Recorded:
        for aggregate in aggregates:
            self.aggregates[aggregate.id] = aggregate
            self.events.extend(aggregate.collect_events())
        self._last.append(len(self.events) - 1)
        self.recorded.append(recorded)
        return recorded

    def save(self, ledger: Ledger) -> None:
        if not self.events:
            return
        try:
            recordings = ledger.save(*self.events)
        except RecordConflictError:
            raise ConcurrentChange("Records in the batch were changed by others at the same "
                                   "time; nothing in it was saved.") from None
        self.recorded = [replace(r, position=recordings[i].notification.id)
                         for r, i in zip(self.recorded, self._last, strict=True)]
