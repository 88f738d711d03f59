"""Schemas shared by the blueprints: strict input, as-of arguments, the common resources."""

from __future__ import annotations

import re
from datetime import UTC

import marshmallow as ma
from marshmallow import fields, validate

from ledger.domain.credit_code import credit_code_problem
from ledger.domain.errors import InvalidInput
from ledger.projections.queries import AsOf

MONTH = re.compile(r"^(19|2\d)\d\d-(0[1-9]|1[0-2])$")  # years 1900-2999, like YEARS
YEARS = validate.Range(min=1900, max=2999)
STATUSES = ("standing", "pending", "reduced", "overturned", "withdrawn")
DISPUTE_STATUSES = ("open", "upheld", "overturned", "reduced")


class Strict(ma.Schema):
    """Input: unknown fields are refused, every bad field is named."""

    class Meta:
        unknown = ma.RAISE


def text(required: bool = True, max_length: int = 2000, **kwargs) -> fields.String:
    """A text field that must say something when given."""
    return fields.String(required=required, validate=validate.Length(min=1, max=max_length),
                         allow_none=not required, **kwargs)


def points(**kwargs) -> fields.Decimal:
    """Scores and points: exact decimals, JSON numbers."""
    return fields.Decimal(as_string=False, allow_nan=False, **kwargs)


def credit_code(value: str) -> None:
    """A validator naming which check of the unified social credit code failed."""
    problem = credit_code_problem(value)
    if problem:
        raise ma.ValidationError(problem)


def month_of(value: str, field: str = "month") -> str:
    """A YYYY-MM month from a path, or 422 naming the field."""
    if not MONTH.match(value or ""):
        raise InvalidInput.field(field, f"must be a month YYYY-MM, got {value!r}")
    return value


class AsOfArgs(Strict):
    """?as_of=RFC 3339 or ?as_of_position=N: answer from the events recorded until then."""

    as_of = fields.AwareDateTime(format="iso", metadata={
        "description": "RFC 3339 timestamp; only events recorded at or before it count"})
    as_of_position = fields.Integer(strict=False, validate=validate.Range(min=0, max=2**62),
                                    metadata={"description": "a global log position"})

    @ma.validates_schema
    def one_moment(self, data, **_):
        if "as_of" in data and "as_of_position" in data:
            raise ma.ValidationError("give as_of or as_of_position, not both", "as_of")


def year_of(value: int) -> int:
    """A year from a path, or 422 naming the field."""
    if not 1900 <= value <= 2999:
        raise InvalidInput.field("year", f"must be between 1900 and 2999, got {value}")
    return value


def as_of(args: dict) -> AsOf | None:
    """The AsOf named by the query arguments, if any."""
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


class DisputeRecorded(Dispute, Recorded):
    """A dispute as its filing or resolution returns it."""


def created(resource: dict, recorded) -> dict:
    """The read side's resource with the position and time of the event just recorded."""
    return {**resource, "position": recorded.position, "recorded_at": recorded.recorded_at}
