"""Training sessions and their attendance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from ledger.commands.base import Store, retrying
from ledger.domain.principals import RECORD, Principal, authorize
from ledger.domain.training import TrainingSession
from ledger.unit_of_work import Recorded


def hold_training_session(store: Store, by: Principal, kind: str, held_on: date, topic: str,
                          hours: Decimal, session_id: UUID | None = None) -> Recorded:
    authorize(by, RECORD)
    session = TrainingSession.hold(kind, held_on, topic, hours, store.today(), by.name,
                                   session_id)
    return store.record(session, resource_id=str(session.id))


@retrying
def record_attendance(store: Store, by: Principal, session_id: str, agency: str,
                      staff_ref: str, staff_name: str) -> Recorded:
    authorize(by, RECORD)
    session = store.training_session(session_id)
    store.agency(agency, read_only=True).check_registered_on("held_on", session.held_on)
    session.record_attendance(agency, staff_ref, staff_name, by.name)
    return store.record(session, resource_id=f"{session_id}/{agency}/{staff_ref}",
                        session_id=session_id)
