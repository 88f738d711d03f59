"""Standings (public): monthly on the current or published basis, and annual."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ledger.api.blueprint import Blueprint
from ledger.api.context import read_side
from ledger.api.rows import Rows
from ledger.api.schemas import (
    YEARS, AsOfArgs, MonthPattern, Year, as_of, credit_code, points,
)
from ledger.api.evaluations import GRADES

MAX_LIMIT = 1000
blp = Blueprint("standings", __name__, url_prefix="/api/v1", description="Standings (public)")


class PageArgs(AsOfArgs):
    """?limit=N&offset=M: a page of the ranked list; ?agency=CODE: that agency's row alone."""

    limit = fields.Integer(validate=validate.Range(min=1, max=MAX_LIMIT), metadata={
        "description": f"rows in the page (1-{MAX_LIMIT}); all rows from offset when absent"})
    offset = fields.Integer(validate=validate.Range(min=0, max=2**31 - 1), metadata={
        "description": "rows of the ranked list to skip (default 0)"})
    agency = fields.String(validate=credit_code, metadata={
        "description": "a credit code: only that agency's row (none if it is not ranked); "
                       "limit and offset are then ignored"})


class StandingsArgs(PageArgs):
    month = fields.String(validate=MonthPattern())
    basis = fields.String(load_default="current",
                          validate=validate.OneOf(("current", "published")))


class AnnualArgs(PageArgs):
    year = Year(required=True, validate=YEARS)
    basis = fields.String(load_default="current",
                          validate=validate.OneOf(("current", "noticed", "final")))


class Row(ma.Schema):
    rank = fields.Integer()
    agency = fields.String()
    name = fields.String()
    score = points()
    deducted_points = points()
    pending_points = points()


class Page(ma.Schema):
    """Which part of the ranked list `rows` holds."""

    total = fields.Integer(metadata={"description": "rows in the whole ranked list"})
    limit = fields.Integer(allow_none=True)
    offset = fields.Integer()


class Standings(Page):
    month = fields.String()
    basis = fields.String()
    revision = fields.Integer(allow_none=True)
    rows = Rows(Row)  # fields.List(fields.Nested(Row)), dumped in one loop (api/rows.py)


class AnnualRow(ma.Schema):
    rank = fields.Integer()
    agency = fields.String()
    name = fields.String()
    score = points()
    grade = fields.String(validate=validate.OneOf(GRADES))


class AnnualStandings(Page):
    year = fields.Integer()
    basis = fields.String()
    provisional = fields.Boolean(metadata={"description": "true until the year is finalized"})
    noticed_on = fields.Date(allow_none=True)
    finalized_on = fields.Date(allow_none=True)
    rows = Rows(AnnualRow)  # as Standings.rows


@blp.route("/standings", methods=["GET"])
@blp.arguments(StandingsArgs, location="query")
@blp.response(200, Standings)
def standings(args):
    """Monthly standings.

    The ranked list of a month on the current figures or as last published
    (`basis=published`); without `month` the latest published month. Public. *As-of* like
    every read. A page with `limit`/`offset` (the total in `total`), or one agency's row
    with `agency`.
    """
    return read_side().standings(args.get("month"), args["basis"], as_of=as_of(args),
                                 **paging(args))


@blp.route("/standings/annual", methods=["GET"])
@blp.arguments(AnnualArgs, location="query")
@blp.response(200, AnnualStandings)
def annual_standings(args):
    """Annual standings.

    The year's ranked annual scores and grades on the current figures, or as noticed or
    made final (`basis`); `provisional` until the year is final.
    Public. *As-of* like every read. A page with `limit`/`offset`, or one agency's row with
    `agency`.
    """
    return read_side().annual_standings(args["year"], as_of=as_of(args), basis=args["basis"],
                                        **paging(args))


def paging(args: dict) -> dict:
    return {"limit": args.get("limit"), "offset": args.get("offset", 0),
            "agency": args.get("agency")}
