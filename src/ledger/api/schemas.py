"""Schemas shared by the blueprints: strict input, as-of arguments, the common resources."""

from __future__ import annotations

import re
from datetime import UTC
from decimal import Decimal

import marshmallow as ma
from marshmallow import fields, validate

from ledger.domain.credit_code import credit_code_problem
from ledger.domain.errors import InvalidInput
from ledger.domain.text import NAME_LIMIT, TEXT_LIMIT, text_problem
from ledger.domain.periods import MAX_POSITION, month_problem, moment_problem, year_problem
from ledger.projections.queries.queries import AsOf

# The month pattern as the OpenAPI description states it (ECMA-262, anchored); values are
# checked by `month_problem`, which also refuses a trailing line feed that `$` would let by.
MONTH = re.compile(r"^(19|2\d)\d\d-(0[1-9]|1[0-2])$")  # years 1900-2999, like YEARS


class MonthPattern(validate.Regexp):
    """A YYYY-MM month: documented as MONTH's pattern, checked by the domain's one rule."""

    def __init__(self) -> None:
        super().__init__(MONTH, error="must be a month YYYY-MM")

    def __call__(self, value: str) -> str:
        problem = month_problem(value)
        if problem:
            raise ma.ValidationError(problem)
        return value
YEARS = validate.Range(min=1900, max=2999)
STATUSES = ("standing", "pending", "reduced", "overturned", "withdrawn")
DISPUTE_STATUSES = ("open", "upheld", "overturned", "reduced")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)  # the only date form accepted


CALENDAR_FIELD = ("the calendar the deadlines were counted with: shipped:YYYY, published@POSITION "
                  "(joined by + across a new year), or weekdays-only when a year they crossed "
                  "had no calendar (Monday to Friday counted)")


class Strict(ma.Schema):
    """Input: unknown fields are refused, every bad field is named."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def dates_as_yyyy_mm_dd(self, data, **_):
        """Dates are YYYY-MM-DD only (Python also reads 20261130 and 2026-W48-1)."""
        if not isinstance(data, dict):
            return data
        errors = {}
        for name, field in self.load_fields.items():
            key = field.data_key or name
            value = data.get(key)
            if isinstance(field, fields.Date):
                problem = _day_problem(value)
            elif isinstance(field, fields.List) and isinstance(field.inner, fields.Date) \
                    and isinstance(value, list):
                problem = next(filter(None, map(_day_problem, value)), None)
            else:
                continue
            if problem:
                errors[key] = [problem]
        if errors:
            raise ma.ValidationError(errors)
        return data


def _day_problem(value) -> str | None:
    if isinstance(value, str) and not DAY.fullmatch(value):
        return f"must be a date YYYY-MM-DD, got {value[:40]!r}"
    return None


class Hygienic(validate.Validator):
    """DOMAIN's text rules (no control characters, no unpaired surrogates, not blank)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, value: str) -> str:  # not called for None: given text must say something
        problem = text_problem(value, limit=self.limit)
        if problem:
            raise ma.ValidationError(problem)
        return value


def text(required: bool = True, max_length: int = TEXT_LIMIT, **kwargs) -> fields.String:
    """A text field that must say something when given (reasons, grounds, topics, notes)."""
    return fields.String(required=required, validate=[
        validate.Length(min=1, max=max_length), Hygienic(max_length)],
        allow_none=not required, **kwargs)


def name(required: bool = True, **kwargs) -> fields.String:
    """A name or a reference: text of at most 200 characters."""
    return text(required=required, max_length=NAME_LIMIT, **kwargs)


def points(**kwargs) -> fields.Decimal:
    """Scores and points: exact decimals, JSON numbers."""
    return fields.Decimal(as_string=False, allow_nan=False, **kwargs)


class MultipleOf(validate.Validator):
    """An exact multiple of `step` (0.01 for every figure)."""

    def __init__(self, step: str) -> None:
        self.step = Decimal(step)

    def __call__(self, value: Decimal) -> Decimal:
        remainder = (Decimal(value) / self.step).normalize().as_tuple().exponent
        if not isinstance(remainder, int) or remainder < 0:
            raise ma.ValidationError(f"must be a multiple of {self.step}")
        return value


def figure(low: int = 0, high: int = 100, step: str = "0.01", **kwargs) -> fields.Decimal:
    """An input score, rating or points: from `low` to `high`, an exact multiple of `step`."""
    kwargs.setdefault("required", True)
    return points(validate=[validate.Range(min=low, max=high), MultipleOf(step)],
                  metadata={"multipleOf": float(step)}, **kwargs)


def credit_code(value: str) -> None:
    """A validator naming which check of the unified social credit code failed."""
    problem = credit_code_problem(value)
    if problem:
        raise ma.ValidationError(problem)


def month_of(value: str, field: str = "month") -> str:
    """A YYYY-MM month from a path, or 422 naming the field."""
    if month_problem(value):
        raise InvalidInput.field(field, month_problem(value))
    return value


class Year(fields.Integer):
    """A year YYYY in a query string: ASCII digits, 1900 to 2999 (422 otherwise)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if year_problem(value):
            raise ma.ValidationError(year_problem(value))
        return super()._deserialize(value, attr, data, **kwargs)


class Position(fields.Integer):
    """A log position in a query string: ASCII digits only."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not (isinstance(value, str) and value.isascii() and value.isdigit()):
            raise ma.ValidationError("must be a whole number (a log position)")
        return super()._deserialize(value, attr, data, **kwargs)


class AsOfArgs(Strict):
    """?as_of=RFC 3339 or ?as_of_position=N: answer from the events recorded until then."""

    as_of = fields.AwareDateTime(format="iso", metadata={
        "description": "As-of: an RFC 3339 timestamp with its offset (2022-03-01T08:00:00Z); "
                       "the answer counts only the events recorded at or before it. With "
                       "as_of_position too, the earlier of the two moments counts."})
    as_of_position = Position(strict=False, validate=validate.Range(min=0, max=MAX_POSITION),
                              metadata={"description": "As-of: a global log position (the "
                                        "`position` of a write's answer); the answer counts "
                                        "only the events at or before it."})

    @ma.validates("as_of")
    def usable_moment(self, value, **_):
        if moment_problem(value):
            raise ma.ValidationError(moment_problem(value))


def year_of(value: int | str, field: str = "year") -> int:
    """A year YYYY from a path, or 422 naming the field."""
    if year_problem(value):
        raise InvalidInput.field(field, year_problem(value))
    return int(value)


def as_of(args: dict) -> AsOf | None:
    """The AsOf named by the query arguments, if any (both given: the earlier moment)."""
    if args.get("as_of_position") is not None and args.get("as_of") is not None:
        from ledger.api.context import read_side

        stamp = read_side().resolve_as_of(AsOf(timestamp=args["as_of"].astimezone(UTC)))
        return AsOf(position=min(stamp, args["as_of_position"]))
    if args.get("as_of_position") is not None:
        return AsOf(position=args["as_of_position"])
    if args.get("as_of") is not None:
        return AsOf(timestamp=args["as_of"].astimezone(UTC))
    return None


class Recorded(ma.Schema):
    """What every created resource carries."""

    position = fields.Integer(required=True)
    recorded_at = fields.AwareDateTime(required=True)


class RectificationOut(ma.Schema):
    completed_on = fields.Date()
    on_time = fields.Boolean()


class Deduction(Recorded):
    id = fields.String()
    agency = fields.String()
    rule_code = fields.String()
    rule_version = fields.String()
    base_points = points()
    found_on = fields.Date()
    notified_on = fields.Date()
    month = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))
    effective_points = points()
    pending_points = points()
    doubled = fields.Boolean()
    rectification_due = fields.Date(allow_none=True)
    rectification = fields.Nested(RectificationOut, allow_none=True)
    dispute_id = fields.String(allow_none=True)
    reason = fields.String()
    project_ref = fields.String(allow_none=True)
    evidence = fields.Dict(allow_none=True)
    recorded_by = fields.String()
    dispute_deadline = fields.Date(metadata={
        "description": "the last day a dispute may be filed (5 working days after notified_on)"})
    calendar = fields.String(metadata={"description": CALENDAR_FIELD})


class Dispute(ma.Schema):
    id = fields.String()
    deduction_id = fields.String()
    agency = fields.String()
    grounds = fields.String()
    filed_on = fields.Date()
    review_due = fields.Date()
    status = fields.String(validate=validate.OneOf(DISPUTE_STATUSES))
    outcome = fields.String(allow_none=True)
    points = points(allow_none=True)
    reasoning = fields.String(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    decided_by = fields.String(allow_none=True)
    overdue = fields.Boolean()
    calendar = fields.String(metadata={"description": CALENDAR_FIELD})


class DisputeRecorded(Dispute, Recorded):
    """A dispute as its filing or resolution returns it."""


def created(resource: dict, recorded) -> dict:
    """The read side's resource with the position and time of the event just recorded."""
    return {**resource, "position": recorded.position, "recorded_at": recorded.recorded_at}
