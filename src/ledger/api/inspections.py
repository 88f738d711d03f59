"""The yearly inspection plan (public) and the inspections recorded against it."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ledger.api.blueprint import Blueprint
from ledger.api.auth import caller, requires
from ledger.api.context import ledger, read_after, read_side
from ledger.api.paging import HEADERS, Paging, page
from ledger.api.schemas import (
    YEARS, AsOfArgs, Recorded, Strict, as_of, credit_code, created, points, text, year_of,
)
from ledger.domain.inspection import DEFAULT_TEAM_SIZE, MANDATORY_REASONS, RANDOM
from ledger.domain.principals import RECORD
from ledger.domain.text import NAME_LIMIT, TEXT_LIMIT
from ledger.projections.queries.read_inspections import INSPECTED, OVERDUE, PLANNED

blp = Blueprint("inspections", __name__, url_prefix="/api/v1",
                description="Inspection plans (双随机一公开, public) and inspections")
MAX_INSPECTORS = 1000
MAX_DEDUCTIONS = 1000


class InspectorIn(Strict):
    name = text(max_length=NAME_LIMIT)
    conflicts = fields.List(fields.String(validate=credit_code), load_default=list,
                            validate=validate.Length(max=100_000),
                            metadata={"description": "credit codes this inspector must not "
                                                     "inspect (回避)"})


class PlanIn(Strict):
    year = fields.Integer(required=True, strict=True, validate=YEARS)
    drawn_on = fields.Date(required=True)
    ratio = points(required=True, validate=validate.Range(min=0, max=1, min_inclusive=False),
                   metadata={"description": "share of the non-mandatory candidates drawn "
                                            "(0 < ratio <= 1, at most 6 decimal places); "
                                            "k = ceil(ratio x n)", "multipleOf": 0.000001})
    seed_text = text(max_length=NAME_LIMIT, metadata={
        "description": "the public string announced before the draw (e.g. a lottery result)"})
    inspectors = fields.List(fields.Nested(InspectorIn), required=True,
                             validate=validate.Length(min=1, max=MAX_INSPECTORS))
    team_size = fields.Integer(strict=True, load_default=DEFAULT_TEAM_SIZE,
                               validate=validate.Range(min=1, max=MAX_INSPECTORS))


class InspectionIn(Strict):
    agency = fields.String(required=True, validate=credit_code)
    inspected_on = fields.Date(required=True)
    inspectors = fields.List(fields.String(validate=validate.Length(min=1, max=NAME_LIMIT)),
                             required=True, validate=validate.Length(min=1, max=MAX_INSPECTORS))
    summary = text(max_length=TEXT_LIMIT)
    deduction_ids = fields.List(fields.String(validate=validate.Length(max=100)),
                                load_default=list, validate=validate.Length(max=MAX_DEDUCTIONS))


class InspectorOut(ma.Schema):
    name = fields.String()
    conflicts = fields.List(fields.String())


class Inspection(Recorded):
    year = fields.Integer()
    agency = fields.String()
    inspected_on = fields.Date()
    inspectors = fields.List(fields.String())
    summary = fields.String()
    deduction_ids = fields.List(fields.String())
    recorded_by = fields.String()


class SelectedOut(ma.Schema):
    agency = fields.String()
    reasons = fields.List(fields.String(validate=validate.OneOf((*MANDATORY_REASONS, RANDOM))))
    team = fields.List(fields.String())
    status = fields.String(validate=validate.OneOf((PLANNED, INSPECTED, OVERDUE)))
    inspection = fields.Nested(Inspection, allow_none=True)


class Plan(Recorded):
    year = fields.Integer()
    drawn_on = fields.Date()
    ratio = points()
    team_size = fields.Integer()
    seed_text = fields.String()
    inspectors = fields.List(fields.Nested(InspectorOut))
    head_position = fields.Integer()
    head_hash = fields.String()
    seed = fields.String()
    candidates = fields.Integer(metadata={"description": "number of candidates"})
    selected = fields.List(fields.Nested(SelectedOut),
                           metadata={"description": "in credit-code order"})
    recorded_by = fields.String()


@blp.route("/inspection-plans", methods=["POST"])
@requires(RECORD, agency_arg=None)
@blp.arguments(PlanIn)
@blp.response(201, Plan)
def draw_inspection_plan(body):
    """Draw a year's inspection plan.

    Selects the agencies to inspect: every agency a rule requires (key inspection,
    complaints, serious repeats, new agencies) and a reproducible random draw of the rest
    at the given ratio, seeded from the log's head and the seed text, with inspection teams
    free of declared conflicts. One plan per year.
    """
    recorded = ledger().draw_inspection_plan(caller(), **body)
    return created(read_after(recorded).inspection_plan(body["year"]), recorded)


@blp.route("/inspection-plans/<year>", methods=["GET"])
@blp.arguments(AsOfArgs, location="query")
@blp.response(200, Plan)
def inspection_plan(args, year):
    """A year's inspection plan.

    The plan as drawn, with each selected agency's status (planned, inspected, overdue);
    404 until drawn. Public. *As-of* like every read.
    """
    return read_side().inspection_plan(year_of(year), as_of=as_of(args))


@blp.route("/inspection-plans/<year>/inspections", methods=["POST"])
@requires(RECORD, agency_arg=None)
@blp.arguments(InspectionIn)
@blp.response(201, Inspection)
def record_inspection(body, year):
    """Record an inspection.

    An inspection of an agency in the year's plan, by inspectors of its team, with a
    summary and the deductions it led to.
    """
    year = year_of(year)
    recorded = ledger().record_inspection(caller(), year, **body)
    found = [i for i in read_after(recorded).inspections(year)
             if i["agency"] == body["agency"]]
    return created(found[0], recorded)


class InspectionFilter(AsOfArgs, Paging):
    """?as_of…&limit&offset."""


@blp.route("/inspection-plans/<year>/inspections", methods=["GET"])
@blp.arguments(InspectionFilter, location="query")
@blp.response(200, Inspection(many=True), headers=HEADERS)
def inspections(args, year):
    """A year's inspections.

    Every inspection recorded against the year's plan, in log order. Public. *As-of* like
    every read. Paginated: `limit`/`offset`, the total in `X-Total-Count`, links in `Link`.
    """
    return page(read_side().inspections(year_of(year), as_of=as_of(args)), args)
