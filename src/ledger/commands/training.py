"""Training sessions and their attendance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID
from typing import TYPE_CHECKING

from ledger.domain.principals import RECORD, Principal, authorize
from ledger.domain.training import TrainingSession

if TYPE_CHECKING:
    from ledger.application import Recorded


class TrainingCommands:
    """Commands of the Ledger: training sessions and their attendance."""

    def hold_training_session(self, by: Principal, kind: str, held_on: date, topic: str,
                              hours: Decimal, session_id: UUID | None = None) -> Recorded:
        authorize(by, RECORD)
        session = TrainingSession.hold(kind, held_on, topic, hours, self.today(), by.name,
                                       session_id)
        return self._commit(session, resource_id=str(session.id))

    def record_attendance(self, by: Principal, session_id: str, agency: str, staff_ref: str,
                          staff_name: str) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            session = self.training_session(session_id)
            self.agency(agency).check_registered_on("held_on", session.held_on)
            session.record_attendance(agency, staff_ref, staff_name, by.name)
            return self._commit(session, resource_id=f"{session_id}/{agency}/{staff_ref}",
                                session_id=session_id)
        return self._retrying(attempt)
