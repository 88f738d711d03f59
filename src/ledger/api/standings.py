"""Standings (public): monthly on the current or published basis, and annual."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields, validate

from ledger.api.context import read_side
from ledger.api.schemas import MONTH, YEARS, AsOfArgs, as_of, points
from ledger.api.evaluations import GRADES

blp = Blueprint("standings", __name__, url_prefix="/api/v1", description="Standings (public)")


class StandingsArgs(AsOfArgs):
    month = fields.String(validate=validate.Regexp(MONTH, error="must be a month YYYY-MM"))
    basis = fields.String(load_default="current",
                          validate=validate.OneOf(("current", "published")))


class AnnualArgs(AsOfArgs):
    year = fields.Integer(required=True, validate=YEARS)


class Row(ma.Schema):
    rank = fields.Integer()
    agency = fields.String()
    name = fields.String()
    score = points()
    deducted_points = points()
    pending_points = points()


class Standings(ma.Schema):
    month = fields.String()
    basis = fields.String()
    revision = fields.Integer(allow_none=True)
    rows = fields.List(fields.Nested(Row))


class AnnualRow(ma.Schema):
    rank = fields.Integer()
    agency = fields.String()
    name = fields.String()
    score = points()
    grade = fields.String(validate=validate.OneOf(GRADES))


class AnnualStandings(ma.Schema):
    year = fields.Integer()
    rows = fields.List(fields.Nested(AnnualRow))


@blp.route("/standings", methods=["GET"])
@blp.arguments(StandingsArgs, location="query")
@blp.response(200, Standings)
def standings(args):
    return read_side().standings(args.get("month"), args["basis"], as_of=as_of(args))


@blp.route("/standings/annual", methods=["GET"])
@blp.arguments(AnnualArgs, location="query")
@blp.response(200, AnnualStandings)
def annual_standings(args):
    return read_side().annual_standings(args["year"], as_of=as_of(args))
