"""The TrainingSession aggregate: a session and its attendance (person-times)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID


from eventsourcing.domain import Aggregate, event

from ledger.domain.base import (
    LedgerCreated, LedgerEvent, half_hours, name_check, not_after_today, text_check,
)
from ledger.domain.errors import RuleViolation, collect

KINDS = ("lecture", "onsite", "online")


class TrainingSessionHeld(LedgerCreated):
    kind: str
    held_on: date
    topic: str
    hours: Decimal


class AttendanceRecorded(LedgerEvent):
    agency: str
    staff_ref: str
    staff_name: str


class TrainingSession(Aggregate):
    """A centralized lecture (集中讲学), on-site visit (上门督学) or online course (线上自学)."""

    class_version = 1
    # The library subclasses these per aggregate; the public event name is the class name.
    TrainingSessionHeld = TrainingSessionHeld
    AttendanceRecorded = AttendanceRecorded

    @classmethod
    def hold(cls, kind: str, held_on: date, topic: str, hours: Decimal, today: date,
             recorded_by: str, id: UUID | None = None) -> "TrainingSession":  # noqa: A002
        """Check and hold a session; `id` is given by an import (ledger.imports.identity)."""
        collect(
            ("kind", None if kind in KINDS else f"must be one of {', '.join(KINDS)}"),
            not_after_today("held_on", held_on, today),
            text_check("topic", topic),
            half_hours("hours", hours),
        )
        # _create is eventsourcing's way to give a created event an id of the caller's choice.
        return cls._create(cls.TrainingSessionHeld, id=id, kind=kind, held_on=held_on,
                           topic=topic.strip(), hours=hours, recorded_by=recorded_by)

    @event(TrainingSessionHeld)
    def __init__(self, kind: str, held_on: date, topic: str, hours: Decimal,
                 recorded_by: str) -> None:
        self.kind = kind
        self.held_on = held_on
        self.topic = topic
        self.hours = hours
        self.attendees: set[tuple[str, str]] = set()

    def record_attendance(self, agency: str, staff_ref: str, staff_name: str,
                          recorded_by: str) -> None:
        collect(name_check("staff_ref", staff_ref), name_check("staff_name", staff_name))
        if (agency, staff_ref) in self.attendees:
            raise RuleViolation(
                f"Staff {staff_ref} of agency {agency} is already recorded at this session "
                f"({self.topic}, {self.held_on}); the same person counts once per session.")
        self._record_attendance(agency=agency, staff_ref=staff_ref,
                                staff_name=staff_name.strip(), recorded_by=recorded_by)

    @event(AttendanceRecorded)
    def _record_attendance(self, agency: str, staff_ref: str, staff_name: str,
                           recorded_by: str) -> None:
        self.attendees.add((agency, staff_ref))
