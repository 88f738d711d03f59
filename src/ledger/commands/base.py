"""What the command modules share: the ledger as a command sees it, the retry, the typed get.

A command is a plain function whose first argument is the ledger (`Store`): it authorizes, gets
its aggregate(s), makes one domain call and records (`store.record`), which saves, or inside
`Ledger.batch()` adds to the batch. `Ledger` exposes each as its method of the same name.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from ledger.domain.errors import ConcurrentChange, NotFound
from ledger.unit_of_work import Recorded

if TYPE_CHECKING:
    from ledger.domain.agency import Agency
    from ledger.domain.calendar import WorkingCalendar
    from ledger.domain.catalogue import Catalogue
    from ledger.domain.deduction import Deduction
    from ledger.domain.inspection_plan import InspectionPlan
    from ledger.domain.results import YearResults
    from ledger.domain.training import TrainingSession

P = ParamSpec("P")
T = TypeVar("T")
RETRIES = 12
BACKOFF_CAP = 0.25  # seconds


class Store(Protocol):
    """The Ledger as its commands use it: today's date, aggregates got and recorded."""

    today: Callable[[], date]
    mapper: Any
    recorder: Any

    @property
    def engine(self) -> Any: ...

    def load(self, aggregate_id: UUID) -> Any: ...

    def read(self, aggregate_id: UUID) -> Any: ...

    def exists(self, aggregate_id: UUID) -> bool: ...

    def record(self, *aggregates: Any, resource_id: str, **data: Any) -> Recorded: ...

    def agency(self, code: str, read_only: bool = False) -> Agency: ...

    def deduction(self, deduction_id: str) -> Deduction: ...

    def deduction_of_dispute(self, dispute_id: str) -> Deduction: ...

    def training_session(self, session_id: str) -> TrainingSession: ...

    def inspection_plan(self, year: int) -> InspectionPlan: ...

    def year_results(self, year: int) -> YearResults: ...

    def objection_results(self, objection_id: str) -> YearResults: ...

    def catalogue(self) -> Catalogue: ...

    def working_calendar(self) -> WorkingCalendar: ...

    def rules_and_calendar(self) -> tuple[Catalogue, WorkingCalendar]: ...


def retrying(command: Callable[P, T]) -> Callable[P, T]:
    """The command run again from the start (get, decide, record) when another writer saved
    the same aggregate first: up to RETRIES attempts, then `ConcurrentChange`.

    Only the store's optimistic-concurrency conflict is retried; a refusal is raised at once.
    Commands creating an aggregate of a derived id (an agency, a year's notice) are not
    decorated: for them a conflict means the other writer created it, a refusal.
    """
    @functools.wraps(command)
    def attempts(*args: P.args, **kwargs: P.kwargs) -> T:
        for tries in range(RETRIES):
            try:
                return command(*args, **kwargs)
            except RecordConflictError:
                # Jittered exponential backoff, so writers that collided do not collide again.
                time.sleep(random.uniform(0, min(BACKOFF_CAP, 0.002 * 2 ** tries)))
        raise ConcurrentChange("The record was changed by others at the same time; try again.")
    return attempts


def get(store: Store, kind: str, aggregate_id: UUID, label: str, cls: type[T],
        read_only: bool = False) -> T:
    """The aggregate of that id and class, or NotFound naming the kind and label.
    `read_only`: the command only reads it (`Store.read`: no copy of a cached aggregate)."""
    try:
        found = store.read(aggregate_id) if read_only else store.load(aggregate_id)
    except AggregateNotFoundError:
        found = None
    # An id of another kind of record (a session's id given as a deduction's) is unknown too.
    if not isinstance(found, cls):
        raise NotFound(f"No {kind} {label}.")
    return found
