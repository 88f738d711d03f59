"""Training sessions, attendance and the (public) training statistics."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ledger.api.blueprint import Blueprint
from ledger.api.auth import caller, requires
from ledger.api.context import acknowledge, ledger, read_side
from ledger.api.schemas import (
    YEARS, AsOfArgs, Recorded, Strict, Year, as_of, created, credit_code, figure, name, points,
    text,
)
from ledger.domain.principals import RECORD
from ledger.projections.queries.read_overview import session_resource


blp = Blueprint("training", __name__, url_prefix="/api/v1", description="Training")
KINDS = ("lecture", "onsite", "online")


class SessionIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    held_on = fields.Date(required=True)
    topic = text()
    hours = figure(low=0.5, high=24, step="0.5")


class AttendanceIn(Strict):
    agency = fields.String(required=True, validate=credit_code)
    staff_ref = name()
    staff_name = name()


class Session(Recorded):
    id = fields.String()
    kind = fields.String()
    held_on = fields.Date()
    topic = fields.String()
    hours = points()
    attendance = fields.Integer()


class Attendance(Recorded):
    session_id = fields.String()
    agency = fields.String()
    staff_ref = fields.String()
    staff_name = fields.String()


class StatisticsArgs(AsOfArgs):
    year = Year(required=True, validate=YEARS)


class Statistics(ma.Schema):
    year = fields.Integer()
    sessions = fields.Dict(keys=fields.String(), values=fields.Integer())
    agencies = fields.Integer()
    person_times = fields.Integer()
    person_times_by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())


@blp.route("/training-sessions", methods=["POST"])
@requires(RECORD, agency_arg=None)
@blp.arguments(SessionIn)
@blp.response(201, Session)
def hold_training_session(body):
    """Record a training session.

    A lecture, on-site or online session held on a day, with its topic and hours;
    attendance is recorded against it.
    """
    recorded = ledger().hold_training_session(caller(), **body)
    acknowledge(recorded)
    session = ledger().training_session(recorded.id)
    return created(session_resource(recorded.id, session, len(session.attendees)), recorded)


@blp.route("/training-sessions/<session_id>/attendance", methods=["POST"])
@requires(RECORD, agency_arg=None)
@blp.arguments(AttendanceIn)
@blp.response(201, Attendance)
def record_attendance(body, session_id):
    """Record attendance at a training session.

    One member of an agency's staff at one session; the same person twice at one session is
    refused with 409.
    """
    recorded = ledger().record_attendance(caller(), session_id, **body)
    acknowledge(recorded)
    return created({"session_id": session_id, **body}, recorded)


@blp.route("/training/statistics", methods=["GET"])
@blp.arguments(StatisticsArgs, location="query")
@blp.response(200, Statistics)
def training_statistics(args):
    """Training statistics of a year.

    Sessions by kind, agencies trained and person-times. Public. *As-of* like every read.
    """
    return read_side().training_statistics(args["year"], as_of=as_of(args))
