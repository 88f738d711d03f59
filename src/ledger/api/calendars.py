"""Working-day calendars: the one in use for a year (public), and a regulator publishing one."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import abort
from marshmallow import fields, validate

from ledger.api.blueprint import Blueprint
from ledger.api.auth import caller, requires
from ledger.api.context import ledger
from ledger.api.schemas import AsOfArgs, Strict, as_of, year_of
from ledger.domain.calendar import YearCalendar
from ledger.domain.published_calendars import FIRST_YEAR
from ledger.domain.principals import RECORD
from ledger.domain.text import NAME_LIMIT

blp = Blueprint("calendars", __name__, url_prefix="/api/v1",
                description="Working-day calendars (public; published by a regulator)")


class CalendarIn(Strict):
    year = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=FIRST_YEAR, max=2999),
        metadata={"description": f"from {FIRST_YEAR} to next year (a later year conflicts "
                                 "with today's date: 409)"})
    holidays = fields.List(fields.Date(), required=True, validate=validate.Length(min=1, max=366),
                           metadata={"description": "days off besides weekends, each in `year`, "
                                                    "none twice", "uniqueItems": True})
    makeup_days = fields.List(fields.Date(), required=True, validate=validate.Length(max=366),
                              metadata={"description": "weekend days that are worked (调休), "
                                                       "each in `year`, none twice",
                                        "uniqueItems": True})
    source = fields.String(required=True, validate=validate.Length(min=1, max=NAME_LIMIT),
                           metadata={"description": "the notice the calendar comes from"})


class Calendar(ma.Schema):
    year = fields.Integer()
    holidays = fields.List(fields.Date())
    makeup_days = fields.List(fields.Date())
    source = fields.String()
    origin = fields.String(validate=validate.OneOf(("shipped", "published")))
    position = fields.Integer(allow_none=True)
    recorded_at = fields.AwareDateTime(allow_none=True)
    calendar = fields.String(metadata={
        "description": "the label deadlines computed with it carry: shipped:YYYY or published@POS"})


def calendar_resource(cal: YearCalendar) -> dict:
    """The calendar resource: its days in order, where it came from."""
    return {"year": cal.year, "holidays": sorted(cal.holidays),
            "makeup_days": sorted(cal.makeup_days), "source": cal.source, "origin": cal.origin,
            "position": cal.position, "recorded_at": cal.recorded_at, "calendar": cal.label}


@blp.route("/calendars", methods=["POST"])
@requires(RECORD, agency_arg=None)
@blp.arguments(CalendarIn)
@blp.response(201, Calendar)
def publish_calendar(body):
    """Publish a year's working-day calendar.

    The days off and make-up working days of the State Council's notice for a year, recorded as
    an event. Deadlines computed after it count with it (it overrides the shipped calendar of
    that year; a later publication for the year supersedes it); deadlines already fixed keep
    the calendar they were computed with. Dates must lie in `year`; a make-up day must be a
    Saturday or Sunday and not also a day off.
    """
    recorded = ledger().publish_calendar(caller(), **body)
    published = ledger().calendar_in_use(body["year"], position=recorded.position)
    assert published is not None and published.position == recorded.position
    return calendar_resource(published)


@blp.route("/calendars/<year>", methods=["GET"])
@blp.arguments(AsOfArgs, location="query")
@blp.response(200, Calendar)
def calendar(args, year):
    """The calendar in use for a year.

    The published calendar of the year if there is one (the latest), else the shipped one;
    404 when the year has neither and its deadlines count Monday to Friday only
    (`weekdays-only`). Public. *As-of*: which calendar was in use at that moment.
    """
    number = year_of(year)
    moment = as_of(args)
    cal = ledger().calendar_in_use(number, position=moment.position if moment else None,
                                   timestamp=moment.timestamp if moment else None)
    if cal is None:
        abort(404, message=f"No calendar is shipped or published for {number}: its deadlines "
                           "count Monday to Friday only (weekdays-only).")
    return calendar_resource(cal)
