"""What every recorded fact carries, and checks shared by the aggregates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.domain.errors import Conflicting, InvalidInput
from ledger.domain.text import NAME_LIMIT, TEXT_LIMIT, text_problem

HOURS_MIN, HOURS_MAX = Decimal("0.5"), Decimal(24)
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
        return field, Conflicting(
            f"must not be after today ({today.isoformat()}), got {value.isoformat()}")
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


def text_check(field: str, value: object, limit: int = TEXT_LIMIT,
               required: bool = True) -> tuple[str, str | None]:
    """DOMAIN's text rules (ledger.domain.text) as a check for `collect`; optional text,
    when given, must say something too."""
    return field, text_problem(value, limit=limit, required=required or value is not None)


def name_check(field: str, value: object, required: bool = True) -> tuple[str, str | None]:
    """A name or reference: text of at most NAME_LIMIT characters."""
    return text_check(field, value, NAME_LIMIT, required)


def hundredths(field: str, value: Decimal | int) -> tuple[str, str | None]:
    """Scores, points and ratings are exact multiples of 0.01."""
    if not _multiple_of(value, 2):
        return field, f"must be a multiple of 0.01, got {value}"
    return field, None


def half_hours(field: str, value: Decimal | int) -> tuple[str, str | None]:
    """Training hours: from 0.5 to 24, in steps of half an hour."""
    if not (HOURS_MIN <= value <= HOURS_MAX and _multiple_of(Decimal(value) * 2, 0)):
        return field, (f"must be from {HOURS_MIN} to {HOURS_MAX} in steps of 0.5, "
                       f"got {value}")
    return field, None


def evidence_check(field: str, evidence: object) -> tuple[str, str | None]:
    """Evidence (a document reference and/or a SHA-256): an object whose every text, at any
    depth, keys included, is a name by DOMAIN's text rules."""
    if evidence is None:
        return field, None
    if not isinstance(evidence, dict):
        return field, "must be an object (document and/or sha256)"
    for part, value in evidence.items():
        stack = [part, value]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item)
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, str):
                problem = text_problem(item, limit=NAME_LIMIT)
                if problem:
                    return f"{field}.{part}", problem
    return field, None


def _multiple_of(value: Decimal | int, places: int) -> bool:
    exponent = Decimal(value).normalize().as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -places


def require(check: tuple[str, str | None]) -> None:
    """Raise InvalidInput for one failed check."""
    field, message = check
    if message:
        raise InvalidInput.field(field, message)
