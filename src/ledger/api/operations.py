"""Operating the ledger: projection status and rebuilds, the integrity report."""

from __future__ import annotations

import threading

import marshmallow as ma
from flask import current_app
from marshmallow import fields

from ledger.api.blueprint import Blueprint
from ledger.api.auth import requires
from ledger.api.context import ledger, read_side
from ledger.domain.principals import OPERATE
from ledger.integrity.last import MAX_AGE, Verifications

blp = Blueprint("operations", __name__, url_prefix="/api/v1",
                description="Projections and integrity (regulator, auditor)")


class ProjectionFailure(ma.Schema):
    position = fields.Integer(metadata={"description": "the event the read model failed on"})
    error = fields.String()
    failed_at = fields.AwareDateTime()


class Projection(ma.Schema):
    name = fields.String()
    position = fields.Integer(allow_none=True)
    lag = fields.Integer(allow_none=True)
    status = fields.String(metadata={
        "description": "up_to_date, catching_up, rebuilding, or failed (see failure)"})
    failure = fields.Nested(ProjectionFailure, allow_none=True)


class Rebuild(ma.Schema):
    name = fields.String()
    status = fields.String()


class IntegrityProblem(ma.Schema):
    position = fields.Integer(allow_none=True)
    kind = fields.String()
    detail = fields.String()


class Integrity(ma.Schema):
    """The last stored verification (null fields before the first has finished)."""

    events = fields.Integer(allow_none=True)
    head = fields.String(allow_none=True)  # the chain hash of the last event verified
    head_position = fields.Integer(allow_none=True)
    head_seq = fields.Integer(allow_none=True)
    verified = fields.Boolean(allow_none=True)
    first_damaged_position = fields.Integer(allow_none=True)
    projections_match = fields.Boolean(allow_none=True)
    problems = fields.List(fields.Nested(IntegrityProblem))
    checked = fields.String()
    verified_at = fields.DateTime(allow_none=True, metadata={
        "description": "When the verification answered here finished."})
    verification_started_at = fields.DateTime(allow_none=True)
    verified_by = fields.String(allow_none=True, metadata={
        "description": "'ledger verify' or 'server' (its background verification)."})
    verified_up_to = fields.Integer(allow_none=True, metadata={
        "description": "The last log position that verification covered."})
    log_head_position = fields.Integer(metadata={
        "description": "The log's last position now; above verified_up_to, newer events "
                       "are not verified yet."})
    verifying = fields.Boolean(metadata={
        "description": "A verification is running (started by this or an earlier call)."})


@blp.route("/projections", methods=["GET"])
@requires(OPERATE, agency_arg=None)
@blp.response(200, Projection(many=True))
def projections():
    """The read models' status.

    Each read model's position in the log, its lag behind the head, and whether it is up to
    date, catching up or rebuilding.
    """
    return read_side().projections()


@blp.route("/projections/<name>/rebuild", methods=["POST"])
@requires(OPERATE, agency_arg=None)
@blp.response(202, Rebuild)
def rebuild_projection(name):
    """Rebuild a read model.

    Starts building a new generation of the read model from the first event; reads keep
    being served from the current one until the new one takes over. Answers 202 at once.
    """
    read_side().rebuild(name)
    return {"name": name, "status": "rebuilding"}


@blp.route("/integrity", methods=["GET"])
@requires(OPERATE, agency_arg=None)
@blp.response(200, Integrity)
def integrity():
    """The integrity report.

    Verifies the hash chain of the stored events and compares the read models with a
    rebuild from the log; names the first damaged position if any.
    """
    return integrity_report()


_verifications_lock = threading.Lock()


def verifications() -> Verifications:
    """The app's one Verifications (made on first use, shared by its threads)."""
    services_ = current_app.extensions
    if "ledger_verifications" not in services_:
        with _verifications_lock:
            if "ledger_verifications" not in services_:
                services_["ledger_verifications"] = Verifications(
                    ledger(), read_side(), max_age=current_app.config.get(
                        "INTEGRITY_MAX_AGE", MAX_AGE))
    return services_["ledger_verifications"]


def integrity_report() -> dict:
    """The last verification, stored; never run inside the request (see docs/TRUST.md)."""
    return verifications().report()
