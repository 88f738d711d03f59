"""What-if: the standings a draft rule-set version would give (regulator, auditor; no record)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ledger.api.blueprint import Blueprint
from ledger.api.auth import requires
from ledger.api.context import read_side
from ledger.api.evaluations import GRADES
from ledger.api.reference import RULE_CODES
from ledger.api.schemas import YEARS, MonthPattern, Strict, figure, points
from ledger.domain.catalogue import draft_version
from ledger.domain.principals import PREVIEW_RULES

blp = Blueprint("what-if", __name__, url_prefix="/api/v1",
                description="What-if standings under a draft rule set (regulator, auditor)")
ITEMS_LIMIT = len(RULE_CODES)  # each code at most once


class JsonBoolean(fields.Boolean):
    """true or false only (marshmallow also reads "yes", "1", 1 and 0 as booleans)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ma.ValidationError("must be true or false")
        return value


class DraftItemIn(Strict):
    code = fields.String(required=True, validate=validate.OneOf(
        RULE_CODES, error="must be a rule code D01-D18"), metadata={"enum": RULE_CODES})
    points = figure()  # the item's base points under the draft: 0-100, a multiple of 0.01
    serious = JsonBoolean(required=True)
    rectifiable = JsonBoolean(required=True)


class DraftRuleSetIn(Strict):
    effective_from = fields.Date(required=True, metadata={
        "description": "the draft counts for deductions found on or after this day"})
    items = fields.List(fields.Nested(DraftItemIn), required=True,
                        validate=validate.Length(min=1, max=ITEMS_LIMIT), metadata={
                            "description": "the items the draft defines, each code once (a "
                                           "code twice: 409 naming ruleset.items); deductions "
                                           "of other codes stay as recorded"})


class WhatIfIn(Strict):
    """A draft rule-set version and a month or a year (exactly one of the two)."""

    ruleset = fields.Nested(DraftRuleSetIn, required=True)
    month = fields.String(validate=MonthPattern(), metadata={"description": "YYYY-MM"})
    year = fields.Integer(strict=True, validate=YEARS)

    @ma.validates_schema
    def month_or_year(self, data, **_):
        if ("month" in data) == ("year" in data):
            message = "give a month or a year, not both" if "month" in data \
                else "give a month (YYYY-MM) or a year"
            raise ma.ValidationError({"month": [message], "year": [message]})


class WhatIfRow(ma.Schema):
    rank = fields.Integer(metadata={"description": "rank by the draft score (1, 2, 2, 4)"})
    agency = fields.String()
    name = fields.String()
    score = points(metadata={"description": "the score under the draft"})
    grade = fields.String(validate=validate.OneOf(GRADES),
                          metadata={"description": "annual only: the grade under the draft"})
    deducted_points = points(metadata={"description": "monthly only, under the draft"})
    pending_points = points(metadata={"description": "monthly only, under the draft"})
    current_score = points()
    current_rank = fields.Integer()
    current_grade = fields.String(validate=validate.OneOf(GRADES),
                                  metadata={"description": "annual only"})
    current_deducted_points = points(metadata={"description": "monthly only"})
    current_pending_points = points(metadata={"description": "monthly only"})
    delta = points(metadata={"description": "score - current_score"})


class WhatIf(ma.Schema):
    month = fields.String(metadata={"description": "the month asked (a month's what-if)"})
    year = fields.Integer(metadata={"description": "the year asked (a year's what-if)"})
    effective_from = fields.Date()
    position = fields.Integer(metadata={
        "description": "the log position both the draft and the current figures stand at"})
    rows = fields.List(fields.Nested(WhatIfRow))


@blp.route("/what-if/standings", methods=["POST"])
@requires(PREVIEW_RULES, agency_arg=None)
@blp.arguments(WhatIfIn)
@blp.response(200, WhatIf)
def what_if_standings(body):
    """Standings under a draft rule set.

    The standings of a month or a year as if the draft rule-set version had been in force
    from its `effective_from`: every deduction found on or after that day whose code the draft
    lists takes the draft's base points, seriousness and rectifiability; everything else
    (doubling, disputes and their outcomes, reduced points, rectifications and their recorded
    due dates, training, provincial scores) is as recorded. Rows are ranked by the draft
    score, with the current figures beside them and `delta` = score - current_score. A month
    or year that has not begun has no rows yet. Records nothing; answers 200.
    """
    draft = draft_version(body["ruleset"]["effective_from"], body["ruleset"]["items"])
    return read_side().what_if_standings(draft, month=body.get("month"), year=body.get("year"))
