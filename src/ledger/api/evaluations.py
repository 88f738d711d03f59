"""The annual evaluation and what feeds it from outside: purchaser ratings, provincial scores."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ledger.api.blueprint import Blueprint
from ledger.api.auth import caller, requires
from ledger.api.context import ledger, read_after, read_side
from ledger.api.schemas import (
    AsOfArgs, Recorded, Strict, as_of, created, figure, name, points, year_of,
)
from ledger.domain.principals import READ, RECORD

blp = Blueprint("evaluations", __name__, url_prefix="/api/v1",
                description="Annual evaluations, purchaser ratings, provincial scores")
GRADES = ("not_graded", "unqualified", "qualified", "good", "excellent")


class RatingIn(Strict):
    rated_on = fields.Date(required=True)
    purchaser = name()
    project_ref = name()
    rating = figure()


class ProvincialIn(Strict):
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2999),
                          metadata={"description": "2000 to this year (a later year: 409)"})
    score = figure()


class Rating(Recorded):
    id = fields.String()
    agency = fields.String()
    rated_on = fields.Date()
    purchaser = fields.String()
    project_ref = fields.String()
    rating = points()


class Provincial(Recorded):
    agency = fields.String()
    year = fields.Integer()
    score = points()


class Evaluation(ma.Schema):
    agency = fields.String()
    year = fields.Integer()
    assessed_months = fields.Integer()
    monthly_mean = points(allow_none=True)
    provincial_score = points(allow_none=True)
    bonus = points()
    score = points(allow_none=True)
    grade = fields.String(validate=validate.OneOf(GRADES))
    trained_staff = fields.Integer()
    deducted_points = points()
    interview = fields.Boolean()
    key_inspection = fields.Boolean()
    purchaser_rating_mean = points(allow_none=True)
    purchaser_ratings = fields.Integer()
    calendar = fields.String()
    provisional = fields.Boolean(metadata={"description": "true until the year is finalized"})
    noticed = fields.Dict(metadata={"description": "the evaluation frozen by the year's notice "
                                    "(with a correction, if its objection was upheld)"})
    final = fields.Dict(metadata={"description": "the final evaluation, frozen for ever"})


@blp.route("/agencies/<code>/purchaser-ratings", methods=["POST"])
@requires(RECORD)
@blp.arguments(RatingIn)
@blp.response(201, Rating)
def record_purchaser_rating(body, code):
    """Record a purchaser's rating.

    A purchaser's 0-100 rating of the agency's work on a project; the year's mean enters
    the annual evaluation.
    """
    recorded = ledger().record_purchaser_rating(caller(), code, **body)
    read_after(recorded)
    return created({"id": recorded.id, "agency": code, **body}, recorded)


@blp.route("/agencies/<code>/provincial-evaluations", methods=["POST"])
@requires(RECORD)
@blp.arguments(ProvincialIn)
@blp.response(201, Provincial)
def record_provincial_evaluation(body, code):
    """Record the provincial evaluation score.

    The province's score (0-100) of the agency for a year; it enters the annual evaluation.
    """
    recorded = ledger().record_provincial_evaluation(caller(), code, **body)
    read_after(recorded)
    return created({"agency": code, **body}, recorded)


@blp.route("/agencies/<code>/evaluations/<year>", methods=["GET"])
@requires(READ)
@blp.arguments(AsOfArgs, location="query")
@blp.response(200, Evaluation)
def evaluation(args, code, year):
    """An agency's annual evaluation.

    The year's monthly mean, provincial score, bonus, score and grade, with what they were
    computed from; `provisional` until the year is final. *As-of* like every read.
    """
    return read_side().evaluation(code, year_of(year), as_of=as_of(args))
