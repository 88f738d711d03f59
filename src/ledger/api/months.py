"""Assessment months: an agency's monthly score, its audit trail, and publication."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from ledger.api.blueprint import Blueprint
from ledger.api.auth import caller, requires
from ledger.api.context import ledger, read_after, read_side, sign_publication
from ledger.api.schemas import (
    AsOfArgs, Deduction, Recorded, Strict, as_of, created, month_of, points,
)
from ledger.domain.principals import READ, RECORD

blp = Blueprint("months", __name__, url_prefix="/api/v1",
                description="Monthly scores, trails and publications")


class PublicationIn(Strict):
    published_on = fields.Date(required=True)


class Publication(Recorded):
    month = fields.String()
    revision = fields.Integer()
    published_on = fields.Date()
    checkpoint = fields.Dict(allow_none=True)  # signed, when the server holds the bureau key


class MonthScore(ma.Schema):
    agency = fields.String()
    month = fields.String()
    assessed = fields.Boolean()
    score = points(allow_none=True)
    deducted_points = points()
    pending_points = points()
    deductions = fields.List(fields.Nested(Deduction))


class TrailEntry(ma.Schema):
    position = fields.Integer()
    recorded_at = fields.AwareDateTime()
    recorded_by = fields.String()
    event = fields.String()
    deduction_id = fields.String(allow_none=True)
    summary = fields.String()
    score_before = points(allow_none=True)
    score_after = points(allow_none=True)


class Trail(ma.Schema):
    agency = fields.String()
    month = fields.String()
    score = points(allow_none=True)
    entries = fields.List(fields.Nested(TrailEntry))


@blp.route("/agencies/<code>/months/<month>", methods=["GET"])
@requires(READ)
@blp.arguments(AsOfArgs, location="query")
@blp.response(200, MonthScore)
def agency_month(args, code, month):
    """An agency's score in one month.

    Whether the month was assessed, its score, deducted and pending points, and its
    deductions. *As-of* like every read.
    """
    return read_side().month(code, month_of(month), as_of=as_of(args))


@blp.route("/agencies/<code>/months/<month>/trail", methods=["GET"])
@requires(READ)
@blp.arguments(AsOfArgs, location="query")
@blp.response(200, Trail)
def trail(args, code, month):
    """The audit trail of an agency's month.

    Every event that made or changed the month's score, in log order, each with the score
    just before and just after it. *As-of* like every read.
    """
    return read_side().trail(code, month_of(month), as_of=as_of(args))


@blp.route("/months/<month>/publication", methods=["POST"])
@requires(RECORD, agency_arg=None)
@blp.arguments(PublicationIn)
@blp.response(201, Publication)
def publish_month(body, month):
    """Publish a month's standings.

    Freezes the month's standings as they stand now (a later publication of the same month
    is a new revision). When the server holds the bureau's signing key the answer carries
    the signed checkpoint.
    """
    recorded = ledger().publish_month(caller(), month_of(month), **body)
    read_after(recorded)
    revision = recorded.data["revision"]
    return created({"month": month, "revision": revision, **body,
                    "checkpoint": sign_publication(month, revision, recorded.position)}, recorded)
