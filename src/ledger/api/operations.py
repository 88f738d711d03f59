"""Operating the ledger: projection status and rebuilds, the integrity report."""

from __future__ import annotations

from dataclasses import asdict

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields

from ledger.api.auth import requires
from ledger.api.context import ledger, read_side
from ledger.domain.principals import OPERATE
from ledger.integrity.audit import audit

blp = Blueprint("operations", __name__, url_prefix="/api/v1",
                description="Projections and integrity (regulator, auditor)")


class Projection(ma.Schema):
    name = fields.String()
    position = fields.Integer(allow_none=True)
    lag = fields.Integer(allow_none=True)
    status = fields.String()


class Rebuild(ma.Schema):
    name = fields.String()
    status = fields.String()


class IntegrityProblem(ma.Schema):
    position = fields.Integer(allow_none=True)
    kind = fields.String()
    detail = fields.String()


class Integrity(ma.Schema):
    events = fields.Integer()
    head = fields.String(allow_none=True)  # the chain hash of the last event
    head_position = fields.Integer(allow_none=True)
    head_seq = fields.Integer(allow_none=True)
    verified = fields.Boolean()
    first_damaged_position = fields.Integer(allow_none=True)
    projections_match = fields.Boolean(allow_none=True)
    problems = fields.List(fields.Nested(IntegrityProblem))
    checked = fields.String()


@blp.route("/projections", methods=["GET"])
@requires(OPERATE, agency_arg=None)
@blp.response(200, Projection(many=True))
def projections():
    return read_side().projections()


@blp.route("/projections/<name>/rebuild", methods=["POST"])
@requires(OPERATE, agency_arg=None)
@blp.response(202, Rebuild)
def rebuild_projection(name):
    read_side().rebuild(name)
    return {"name": name, "status": "rebuilding"}


@blp.route("/integrity", methods=["GET"])
@requires(OPERATE, agency_arg=None)
@blp.response(200, Integrity)
def integrity():
    return integrity_report()


def integrity_report() -> dict:
    """The chain, then the read models compared with a rebuild from the log (see TRUST.md)."""
    read_side().refresh()  # compare the read models as far as the log goes
    report = audit(ledger())
    return {"events": report.events, "head": report.head, "head_position": report.last_position,
            "head_seq": report.last_seq, "verified": report.verified,
            "first_damaged_position": report.first_damaged_position,
            "projections_match": report.projections_match,
            "problems": [asdict(p) for p in report.problems], "checked": report.checked}
