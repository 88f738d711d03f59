"""A Ledger whose commands stage their events in memory; `commit` records them in one transaction.

Every command of the real Ledger runs unchanged (same checks, same aggregates), but `_commit`
keeps the changed aggregates here instead of saving them, and reads see the staged aggregates
first. Nothing reaches the store until `commit()`, which hands every staged aggregate to the
real application's `save` at once: eventsourcing collects all their pending events into one
`insert_events` call, which the recorder runs in a single database transaction. Either all of
them are recorded or, on any failure (including another writer changing one of the same
aggregates meanwhile), none is.

A row is a unit too: `begin_row()` opens a savepoint that copies each staged aggregate the row
first touches; `rollback_row()` puts those copies back and drops aggregates the row staged anew,
so a row refused half-way (a deduction recorded, its rectification refused) leaves no trace.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from ledger.application import Ledger, Recorded
from ledger.domain.errors import ConcurrentChange


class StagedRepository:
    """The real repository, except that a staged aggregate is returned as staged."""

    def __init__(self, real: Any, staging: StagedLedger) -> None:
        self.real, self.staging, self.cache = real, staging, None

    def get(self, aggregate_id: UUID, **kwargs: Any) -> Any:
        if aggregate_id in self.staging.staged:
            return self.staging.touch(aggregate_id)
        return self.real.get(aggregate_id, **kwargs)


class StagedLedger(Ledger):
    """The real ledger's commands, staged in memory until `commit()`."""

    def __init__(self, real: Ledger) -> None:  # noqa: D107 - shares the real ledger's parts
        self.__dict__.update(real.__dict__)
        self.real = real
        self.staged: dict[UUID, Any] = {}
        self._saved: dict[UUID, Any] = {}
        self._new: set[UUID] = set()
        self._staged_repository = StagedRepository(real.repository, self)

    @property
    def repository(self):  # type: ignore[override]
        return self._staged_repository

    def exists(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self.staged or self.real.exists(aggregate_id)

    def _commit(self, *aggregates: Any, resource_id: str, **data: Any) -> Recorded:
        for aggregate in aggregates:
            if aggregate.id not in self.staged:
                self._new.add(aggregate.id)
            self.staged[aggregate.id] = aggregate
        # No position until commit; the event's own time stands for recorded_at meanwhile.
        events = aggregates[-1].pending_events
        return Recorded(resource_id, 0, events[-1].timestamp if events else datetime.now(UTC),
                        data)

    def touch(self, aggregate_id: UUID) -> Any:
        """A staged aggregate, copied into the row's savepoint the first time the row uses it."""
        if aggregate_id not in self._saved:
            self._saved[aggregate_id] = copy.deepcopy(self.staged[aggregate_id])
        return self.staged[aggregate_id]

    def begin_row(self) -> None:
        self._saved, self._new = {}, set()

    def rollback_row(self) -> None:
        """Undo everything the current row staged."""
        for aggregate_id in self._new:
            self.staged.pop(aggregate_id, None)
        self.staged.update({k: v for k, v in self._saved.items() if k not in self._new})
        self.begin_row()

    def pending(self) -> int:
        """How many events are staged."""
        return sum(len(a.pending_events) for a in self.staged.values())

    def commit(self) -> int:
        """Record every staged event in one transaction; the last log position (0 if none)."""
        if not self.staged:
            return 0
        try:
            recordings = Ledger.save(self.real, *self.staged.values())
        except RecordConflictError:
            raise ConcurrentChange("Another writer changed a record this file touches while "
                                   "it was checked; nothing was recorded. Import it again.") from None
        finally:
            self.staged.clear()
        return recordings[-1].notification.id if recordings else 0

    def close(self) -> None:  # the real ledger owns the store
        self.staged.clear()
