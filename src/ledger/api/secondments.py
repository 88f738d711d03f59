"""Secondments of agency staff into the supervision office (跟班锻炼)."""

from __future__ import annotations

from marshmallow import fields

from ledger.api.blueprint import Blueprint
from ledger.api.auth import caller, requires
from ledger.api.context import acknowledge, ledger
from ledger.api.schemas import Recorded, Strict, created, name
from ledger.domain.principals import RECORD
from ledger.projections.queries.read_agency import secondment_resource

blp = Blueprint("secondments", __name__, url_prefix="/api/v1", description="Secondments")


class SecondmentIn(Strict):
    staff_ref = name()
    staff_name = name()
    department = name()
    started_on = fields.Date(required=True)


class CompletionIn(Strict):
    ended_on = fields.Date(required=True)


class Secondment(Recorded):
    id = fields.String()
    agency = fields.String()
    staff_ref = fields.String()
    staff_name = fields.String()
    department = fields.String()
    started_on = fields.Date()
    ended_on = fields.Date(allow_none=True)


@blp.route("/agencies/<code>/secondments", methods=["POST"])
@requires(RECORD)
@blp.arguments(SecondmentIn)
@blp.response(201, Secondment)
def start_secondment(body, code):
    """Start a secondment.

    A member of the agency's staff seconded into the supervision office from a day;
    overlapping secondments of one person are refused with 409.
    """
    recorded = ledger().start_secondment(caller(), code, **body)
    acknowledge(recorded)
    return created(written_secondment(code, recorded.id), recorded)


@blp.route("/secondments/<secondment_id>/completion", methods=["POST"])
@requires(RECORD, agency_arg=None)
@blp.arguments(CompletionIn)
@blp.response(201, Secondment)
def complete_secondment(body, secondment_id):
    """Complete a secondment.

    The last day of the secondment (not before it started).
    """
    recorded = ledger().complete_secondment(caller(), secondment_id, **body)
    acknowledge(recorded)
    return created(written_secondment(secondment_id.rpartition("-S")[0], secondment_id),
                   recorded)


def written_secondment(code: str, secondment_id: str) -> dict:
    """The secondment as its agency's aggregate holds it once the command is recorded."""
    return secondment_resource(code, ledger().agency(code).secondments[secondment_id])
