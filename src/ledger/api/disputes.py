"""Disputes: filed on a deduction by its agency (or a regulator), resolved by a reviewer."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ledger.api.blueprint import Blueprint
from ledger.api.auth import caller, requires
from ledger.api.context import ledger, read_after, read_side
from ledger.api.paging import HEADERS, Paging, page
from ledger.api.schemas import (
    DISPUTE_STATUSES, AsOfArgs, Dispute, DisputeRecorded, MultipleOf, Strict, as_of, created,
    points, text,
)
from ledger.domain.principals import AGENCY, FILE_DISPUTE, READ, RESOLVE_DISPUTE

blp = Blueprint("disputes", __name__, url_prefix="/api/v1", description="Disputes")
OUTCOMES = ("upheld", "overturned", "reduced")


class DisputeIn(Strict):
    grounds = text()
    filed_on = fields.Date()


class ResolutionIn(Strict):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    reasoning = text()
    decided_on = fields.Date(required=True)
    points = points(allow_none=True, validate=[
        validate.Range(min=0, min_inclusive=False, max=100), MultipleOf("0.5")],
        metadata={"multipleOf": 0.5})

    @ma.validates_schema
    def points_only_when_reduced(self, data, **_):
        if data.get("outcome") == "reduced" and data.get("points") is None:
            raise ma.ValidationError("is required when the outcome is 'reduced'", "points")
        if data.get("outcome") in ("upheld", "overturned") and data.get("points") is not None:
            raise ma.ValidationError("is only given with outcome 'reduced'", "points")


class DisputeFilter(AsOfArgs, Paging):
    status = fields.String(validate=validate.OneOf(DISPUTE_STATUSES))


@blp.route("/deductions/<deduction_id>/disputes", methods=["POST"])
@requires(FILE_DISPUTE, agency_arg=None)
@blp.arguments(DisputeIn)
@blp.response(201, DisputeRecorded)
def file_dispute(body, deduction_id):
    """File a dispute against a deduction.

    Within the dispute window after notification, once per deduction. An agency disputes
    its own deductions only; a regulator may file on an agency's behalf. The deduction's
    points are pending until the dispute is resolved.
    """
    recorded = ledger().file_dispute(caller(), deduction_id, **body)
    return created(read_after(recorded).dispute(recorded.id), recorded)


@blp.route("/disputes/<dispute_id>/resolution", methods=["POST"])
@requires(RESOLVE_DISPUTE, agency_arg=None)
@blp.arguments(ResolutionIn)
@blp.response(201, DisputeRecorded)
def resolve_dispute(body, dispute_id):
    """Resolve a dispute.

    A reviewer upholds, overturns or reduces (then with `points`) the disputed deduction,
    with reasoning. A reviewer may not resolve a dispute about a deduction they recorded.
    """
    recorded = ledger().resolve_dispute(caller(), dispute_id, **body)
    return created(read_after(recorded).dispute(dispute_id), recorded)


@blp.route("/disputes", methods=["GET"])
@requires(READ, agency_arg=None)
@blp.arguments(DisputeFilter, location="query")
@blp.response(200, Dispute(many=True), headers=HEADERS)
def disputes(args):
    """Disputes.

    Every dispute in filing order, optionally only those with one status; an agency sees
    its own only. *As-of* like every read. Paginated: `limit`/`offset`, the total in
    `X-Total-Count`, links in `Link`.
    """
    principal = caller()
    own = principal.agency if principal.role == AGENCY else None  # an agency sees its own only
    return page(read_side().disputes(status=args.get("status"), agency=own, as_of=as_of(args)),
                args)
