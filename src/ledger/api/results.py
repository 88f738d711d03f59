"""A year's results: the notice (公示), objections (异议) and final results."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ledger.api.blueprint import Blueprint
from ledger.api.auth import caller, requires
from ledger.api.context import ledger, read_after, read_side, sign_results
from ledger.api.paging import HEADERS, Paging, page
from ledger.api.schemas import (
    AsOfArgs, Recorded, Strict, as_of, created, credit_code, text, year_of,
)
from ledger.domain.errors import NotPermitted
from ledger.domain.principals import AGENCY, FILE_OBJECTION, READ, RECORD, RESOLVE_OBJECTION
from ledger.domain.results import OUTCOMES

blp = Blueprint("results", __name__, url_prefix="/api/v1",
                description="A year's results: notice, objections, final results (public reads)")
OBJECTION_STATUSES = ("open", *OUTCOMES)


class NoticeIn(Strict):
    opened_on = fields.Date(required=True)


class ObjectionIn(Strict):
    grounds = text()
    agency = fields.String(validate=credit_code, metadata={
        "description": "the objecting agency (regulator only; an agency objects for itself)"})
    filed_on = fields.Date(metadata={
        "description": "regulator only, for a paper submission; an agency's is today"})


class ObjectionResolutionIn(Strict):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    reasoning = text()
    decided_on = fields.Date(required=True)


class FinalIn(Strict):
    finalized_on = fields.Date(required=True)


class Notice(ma.Schema):
    year = fields.Integer()
    opened_on = fields.Date()
    closes_on = fields.Date(metadata={"description": "the last day to object"})
    calendar = fields.String()
    agencies = fields.Integer()
    head_position = fields.Integer(metadata={
        "description": "the log position the noticed evaluations were computed at"})
    objections = fields.Integer()
    finalized = fields.Boolean()
    position = fields.Integer()
    recorded_at = fields.AwareDateTime()
    recorded_by = fields.String()


class Final(ma.Schema):
    year = fields.Integer()
    finalized_on = fields.Date()
    agencies = fields.Integer()
    position = fields.Integer()
    recorded_at = fields.AwareDateTime()
    recorded_by = fields.String()
    checkpoint = fields.Dict(allow_none=True)


class Objection(ma.Schema):
    id = fields.String()
    year = fields.Integer()
    agency = fields.String()
    grounds = fields.String()
    filed_on = fields.Date()
    review_due = fields.Date()
    calendar = fields.String()
    status = fields.String(validate=validate.OneOf(OBJECTION_STATUSES))
    outcome = fields.String(allow_none=True)
    reasoning = fields.String(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    decided_by = fields.String(allow_none=True)
    overdue = fields.Boolean()
    position = fields.Integer()
    recorded_at = fields.AwareDateTime()


class ObjectionRecorded(Objection, Recorded):
    """An objection as its filing or resolution returns it."""


class ObjectionFilter(AsOfArgs, Paging):
    status = fields.String(validate=validate.OneOf(OBJECTION_STATUSES))


@blp.route("/years/<year>/notice", methods=["POST"])
@requires(RECORD, agency_arg=None)
@blp.arguments(NoticeIn)
@blp.response(201, Notice)
def open_notice(body, year):
    """Open a year's notice.

    Freezes every agency's annual evaluation of the year as noticed and opens the objection
    period; `closes_on` is the last day to object.
    """
    year = year_of(year)
    recorded = ledger().open_notice(caller(), year, body["opened_on"], read_side())
    return created(read_after(recorded).notice(year), recorded)


@blp.route("/years/<year>/notice", methods=["GET"])
@blp.arguments(AsOfArgs, location="query")
@blp.response(200, Notice)
def notice(args, year):
    """A year's notice.

    When it was opened, when the objection period closes, and how many agencies it covers;
    404 until it is opened. Public. *As-of* like every read.
    """
    return read_side().notice(year_of(year), as_of=as_of(args))


@blp.route("/years/<year>/objections", methods=["POST"])
@requires(FILE_OBJECTION, agency_arg=None)
@blp.arguments(ObjectionIn)
@blp.response(201, ObjectionRecorded)
def file_objection(body, year):
    """Object to a year's noticed result.

    An agency objects for itself within the objection period; a regulator may file for an
    agency (then naming it, and optionally the day it was filed).
    """
    recorded = ledger().file_objection(caller(), year_of(year), **body)
    return created(read_after(recorded).objection(recorded.id), recorded)


@blp.route("/years/<year>/objections", methods=["GET"])
@requires(READ, agency_arg=None)
@blp.arguments(ObjectionFilter, location="query")
@blp.response(200, Objection(many=True), headers=HEADERS)
def objections(args, year):
    """A year's objections.

    In filing order, optionally only those with one status; an agency sees its own only.
    *As-of* like every read. Paginated: `limit`/`offset`, the total in `X-Total-Count`,
    links in `Link`.
    """
    principal = caller()
    own = principal.agency if principal.role == AGENCY else None  # an agency sees its own only
    return page(read_side().objections(year_of(year), as_of=as_of(args), agency=own,
                                       status=args.get("status")), args)


@blp.route("/objections/<objection_id>", methods=["GET"])
@requires(READ, agency_arg=None)
@blp.arguments(AsOfArgs, location="query")
@blp.response(200, Objection)
def objection(args, objection_id):
    """One objection.

    The objection with its status and, once resolved, the reviewer's decision; an agency
    may read its own only. *As-of* like every read.
    """
    found = read_side().objection(objection_id, as_of=as_of(args))
    principal = caller()
    if principal.role == AGENCY and found["agency"] != principal.agency:
        raise NotPermitted(f"An agency token may only read its own objections "
                           f"({principal.agency}).")
    return found


@blp.route("/objections/<objection_id>/resolution", methods=["POST"])
@requires(RESOLVE_OBJECTION, agency_arg=None)
@blp.arguments(ObjectionResolutionIn)
@blp.response(201, ObjectionRecorded)
def resolve_objection(body, objection_id):
    """Resolve an objection.

    A reviewer dismisses it or corrects the result, with reasoning; a reviewer who recorded
    a deduction of that agency in that year may not.
    """
    recorded = ledger().resolve_objection(caller(), objection_id, reads=read_side(), **body)
    return created(read_after(recorded).objection(objection_id), recorded)


@blp.route("/years/<year>/final", methods=["POST"])
@requires(RECORD, agency_arg=None)
@blp.arguments(FinalIn)
@blp.response(201, Final)
def finalize(body, year):
    """Make a year's results final.

    Freezes every agency's annual evaluation of the year as final once the objection period
    has closed and every objection is resolved.
    """
    year = year_of(year)
    recorded = ledger().finalize_year(caller(), year, body["finalized_on"])
    final = read_after(recorded).final(year)
    return created({**final, "checkpoint": sign_results(year, recorded.position)}, recorded)


@blp.route("/years/<year>/final", methods=["GET"])
@blp.arguments(AsOfArgs, location="query")
@blp.response(200, Final)
def final(args, year):
    """A year's final results.

    When the year was made final and how many agencies it covers; 404 until then. Public.
    *As-of* like every read.
    """
    return read_side().final(year_of(year), as_of=as_of(args))

