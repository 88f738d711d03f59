"""Rebuild the read models from the log into a scratch in-memory database, with the same writer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent
from sqlalchemy.pool import StaticPool

from ledger.projections.store import tables as t
from ledger.projections.model.fold import Changes, LedgerModel
from ledger.projections.store.runner import index_events
from ledger.projections.store.storable import storable_event
from ledger.projections.store.writer import freeze_publications, write_changes

SCRATCH_GEN = 1
BATCH = 2000


class RebuildFailed(Exception):
    """The log could not be folded (an event the read side cannot read); names the position."""

    def __init__(self, position: int | None, detail: str) -> None:
        super().__init__(detail)
        self.position = position
        self.detail = detail


def scratch_engine() -> sa.Engine:
    """An empty in-memory SQLite database holding the read-model tables."""
    engine = sa.create_engine("sqlite://", poolclass=StaticPool,
                              connect_args={"check_same_thread": False})
    t.metadata.create_all(engine)
    return engine


def _events(ledger: Any, until: int) -> Iterator[list[tuple[int, Any]]]:
    """Decoded events up to position `until`, a batch at a time (keyset paging)."""
    e = ledger.recorder.events_record_cls.__table__.c
    to_event = ledger.mapper.to_domain_event
    after = 0
    with ledger.engine.connect() as conn:
        while after < until:
            rows = conn.execute(sa.select(e.id, e.originator_id, e.originator_version, e.topic,
                                          e.state).where(e.id > after, e.id <= until)
                                .order_by(e.id).limit(BATCH)).all()
            if not rows:
                return
            batch = []
            for r in rows:
                try:
                    state = bytes(r.state)
                    batch.append((r.id, storable_event(to_event(StoredEvent(
                        originator_id=r.originator_id, originator_version=r.originator_version,
                        topic=r.topic, state=state)), state)))
                except Exception as exc:  # noqa: BLE001 - an unreadable event stops the rebuild
                    raise RebuildFailed(r.id, f"cannot decode the event: {exc!r}"[:300]) from exc
            yield batch
            after = rows[-1].id


def rebuild(ledger: Any, assessments_until: int, index_until: int) -> sa.Engine:
    """A scratch database holding both projections rebuilt up to their own positions."""
    engine = scratch_engine()
    model, changes = LedgerModel(history=True), Changes()
    with engine.begin() as conn:
        for batch in _events(ledger, max(assessments_until, index_until)):
            indexed = [(p, e) for p, e in batch if p <= index_until]
            if indexed:
                index_events(conn, SCRATCH_GEN, indexed)
            for position, event in batch:
                if position > assessments_until:
                    break
                _fold(conn, model, changes, position, event)
        write_changes(conn, SCRATCH_GEN, model, changes)
    return engine


def _fold(conn: sa.Connection, model: LedgerModel, changes: Changes, position: int,
          event: Any) -> None:
    try:
        model.apply(position, event, changes)
    except Exception as exc:  # noqa: BLE001 - events the fold cannot place are damage
        raise RebuildFailed(position, f"the read side cannot apply {type(event).__name__}: "
                            f"{exc!r}"[:300]) from exc
    # The model holds every agency: publications are frozen from it as they stand now, and the
    # other changes are written once, at the end.
    freeze_publications(conn, SCRATCH_GEN, model, changes)
