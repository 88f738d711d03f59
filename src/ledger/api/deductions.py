"""Deductions: recording, withdrawal, rectification, and the agency's list."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ledger.api.blueprint import Blueprint
from ledger.api.auth import caller, requires
from ledger.api.context import ledger, read_after, read_side
from ledger.api.paging import HEADERS, Paging, page
from ledger.api.reference import RULE_CODES
from ledger.api.schemas import (
    STATUSES, AsOfArgs, Deduction, MonthPattern, Strict, as_of, created, name, text,
)
from ledger.domain.principals import READ, RECORD

blp = Blueprint("deductions", __name__, url_prefix="/api/v1", description="Deductions")


class Evidence(Strict):
    document = name(required=False)
    sha256 = fields.String(validate=validate.Regexp(r"^[0-9a-fA-F]{64}$",
                                                    error="must be 64 hexadecimal digits"))

    @ma.validates_schema
    def something(self, data, **_):
        if not data.get("document") and not data.get("sha256"):
            raise ma.ValidationError("give a document reference and/or a sha256", "document")


class DeductionIn(Strict):
    rule_code = fields.String(required=True, validate=validate.Regexp(
        r"^D\d{2}$", error="must be a rule code such as D01"), metadata={
            "enum": RULE_CODES, "description": "A code of the rule set in force on found_on "
                                               "(the shipped sets: D01-D18)."})
    found_on = fields.Date(required=True)
    reason = text()
    notified_on = fields.Date()
    project_ref = name(required=False)
    evidence = fields.Nested(Evidence, allow_none=True)


class WithdrawalIn(Strict):
    reason = text()


class RectificationIn(Strict):
    completed_on = fields.Date(required=True)
    note = text(required=False)


class DeductionFilter(AsOfArgs, Paging):
    month = fields.String(validate=MonthPattern())
    status = fields.String(validate=validate.OneOf(STATUSES))


@blp.route("/agencies/<code>/deductions", methods=["POST"])
@requires(RECORD)
@blp.arguments(DeductionIn)
@blp.response(201, Deduction)
def record_deduction(body, code):
    """Record a deduction.

    Records a deduction of the rule set in force on `found_on`; its month is the month of
    `found_on`. The deduction's points, status and rectification due date are computed by
    the ledger.
    """
    recorded = ledger().record_deduction(caller(), code, **body)
    return created(read_after(recorded).written_deduction(recorded.id), recorded)


@blp.route("/deductions/<deduction_id>/withdrawal", methods=["POST"])
@requires(RECORD, agency_arg=None)
@blp.arguments(WithdrawalIn)
@blp.response(201, Deduction)
def withdraw_deduction(body, deduction_id):
    """Withdraw a deduction.

    Withdraws a deduction recorded in error; it then counts for nothing, in its month and
    in any doubling it caused.
    """
    recorded = ledger().withdraw_deduction(caller(), deduction_id, **body)
    return created(read_after(recorded).written_deduction(deduction_id), recorded)


@blp.route("/deductions/<deduction_id>/rectification", methods=["POST"])
@requires(RECORD, agency_arg=None)
@blp.arguments(RectificationIn)
@blp.response(201, Deduction)
def record_rectification(body, deduction_id):
    """Record a rectification.

    Records the day the agency completed the rectification the deduction required; on time
    or late is decided against `rectification_due`. Deductions that take no rectification
    (D17, D18) are refused with 409.
    """
    recorded = ledger().record_rectification(caller(), deduction_id, **body)
    return created(read_after(recorded).written_deduction(deduction_id), recorded)


@blp.route("/agencies/<code>/deductions", methods=["GET"])
@requires(READ)
@blp.arguments(DeductionFilter, location="query")
@blp.response(200, Deduction(many=True), headers=HEADERS)
def agency_deductions(args, code):
    """An agency's deductions.

    In log order, optionally only one month's or one status's. *As-of* like every read.
    Paginated: `limit`/`offset`, the total in `X-Total-Count`, links in `Link`.
    """
    return page(read_side().deductions(code, month=args.get("month"), status=args.get("status"),
                                       as_of=as_of(args)), args)
