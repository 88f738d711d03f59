"""What every recorded fact carries, and checks shared by the aggregates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.domain.errors import InvalidInput

LEDGER_NAMESPACE = uuid5(NAMESPACE_URL, "https://assessment-ledger.example/ids")


class LedgerEvent(Aggregate.Event):
    """Base of every event: who recorded it (its `timestamp` is `recorded_at`)."""

    class_version = 1
    recorded_by: str


class LedgerCreated(Aggregate.Created):
    """Base of every creating event."""

    class_version = 1
    recorded_by: str


def ledger_id(kind: str, key: str) -> UUID:
    """A deterministic aggregate id for a natural key, e.g. ('agency', credit code)."""
    return uuid5(LEDGER_NAMESPACE, f"{kind}/{key}")


def not_after_today(field: str, value: date | None, today: date) -> tuple[str, str | None]:
    """Business dates may not lie after today (Asia/Shanghai)."""
    if value is not None and value > today:
        return field, f"must not be after today ({today.isoformat()}), got {value.isoformat()}"
    return field, None


def within(field: str, value: Decimal | int, low: int, high: int) -> tuple[str, str | None]:
    """A number between low and high inclusive."""
    if not low <= value <= high:
        return field, f"must be between {low} and {high}, got {value}"
    return field, None


def not_blank(field: str, value: str | None) -> tuple[str, str | None]:
    """A required text that must say something."""
    if value is None or not str(value).strip():
        return field, "must not be empty"
    return field, None


def require(check: tuple[str, str | None]) -> None:
    """Raise InvalidInput for one failed check."""
    field, message = check
    if message:
        raise InvalidInput.field(field, message)
