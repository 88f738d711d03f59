"""Agencies: registration, deregistration, detail and the agency's event log."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from ledger.api.blueprint import Blueprint
from ledger.api.auth import caller, requires
from ledger.api.context import acknowledge, ledger, read_side
from ledger.api.paging import HEADERS, Paging, page
from ledger.api.schemas import (
    AsOfArgs, Recorded, Strict, as_of, created, credit_code, name as name_field, text,
)
from ledger.domain.principals import READ, RECORD
from ledger.projections.queries.read_agency import agency_resource

blp = Blueprint("agencies", __name__, url_prefix="/api/v1", description="Agencies")


class AgencyIn(Strict):
    credit_code = fields.String(required=True, validate=credit_code,
                                metadata={"example": "91341800H9EH9J1GRF"})
    name = name_field()
    registered_on = fields.Date(required=True)


class DeregistrationIn(Strict):
    deregistered_on = fields.Date(required=True)
    reason = text(required=False)


class Agency(ma.Schema):
    credit_code = fields.String()
    name = fields.String()
    registered_on = fields.Date()
    deregistered_on = fields.Date(allow_none=True)


class AgencyRecorded(Agency, Recorded):
    pass


class EventsArgs(AsOfArgs, Paging):
    """As of a moment, one page."""


class AgencyEvent(Recorded):
    recorded_by = fields.String()
    event = fields.String()
    data = fields.Dict()


@blp.route("/agencies", methods=["POST"])
@requires(RECORD, agency_arg=None)
@blp.arguments(AgencyIn)
@blp.response(201, AgencyRecorded)
def register_agency(body):
    """Register an agency.

    Records AgencyRegistered for a new credit code. A code already registered is refused
    with 409.
    """
    recorded = ledger().register_agency(caller(), **body)
    acknowledge(recorded)
    return created(agency_resource(recorded.id, ledger().agency(recorded.id)), recorded)


@blp.route("/agencies/<code>/deregistration", methods=["POST"])
@requires(RECORD)
@blp.arguments(DeregistrationIn)
@blp.response(201, AgencyRecorded)
def deregister_agency(body, code):
    """Deregister an agency.

    Records the day the agency's registration ended (not before it was registered, not
    after today), with an optional reason. From that day on it is no longer assessed.
    """
    recorded = ledger().deregister_agency(caller(), code, **body)
    acknowledge(recorded)
    return created(agency_resource(code, ledger().agency(code)), recorded)


@blp.route("/agencies/<code>", methods=["GET"])
@requires(READ)
@blp.response(200, Agency)
def agency(code):
    """An agency's registration.

    Credit code, name, and the days the registration began and (if it has) ended.
    """
    return read_side().agency(code)


@blp.route("/agencies/<code>/events", methods=["GET"])
@requires(READ)
@blp.arguments(EventsArgs, location="query")
@blp.response(200, AgencyEvent(many=True), headers=HEADERS)
def agency_events(args, code):
    """An agency's events, in log order.

    Every event recorded about the agency (its deductions, disputes, secondments, ratings,
    provincial scores, training attendance) with its log position, time and recorder. *As-
    of*: `as_of` or `as_of_position` limits the list to the events recorded until then.
    Paginated: `limit`/`offset`, the total in `X-Total-Count`, links in `Link`.
    """
    return page(read_side().agency_events(code, as_of=as_of(args)), args)
