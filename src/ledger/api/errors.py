"""One error shape for everything: {code, status, message, errors}."""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, g, jsonify
from eventsourcing.persistence import OperationalError as StoreUnavailable
from flask_smorest import Api
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from ledger.projections.store.failures import ProjectionFailed
from ledger.domain.errors import (
    ConcurrentChange, ConflictingInput, InvalidInput, NotFound, NotPermitted, RuleViolation,
)

log = logging.getLogger(__name__)

# A conflict with the ledger's records or today's date is 409 (RFC 9110: a conflict with the
# current state), however it is phrased; only input that is bad on its own is 422.
DOMAIN_STATUS = {ConflictingInput: 409, InvalidInput: 422, NotFound: 404, NotPermitted: 403, RuleViolation: 409,
                 ConcurrentChange: 409}
MESSAGES = {
    400: "The request could not be read; send a JSON object.",
    401: "A bearer token is required: send 'Authorization: Bearer TOKEN'.",
    404: "There is nothing at this address.",
    405: "This method is not allowed here.",
    415: "Send the body as application/json.",
    500: "The ledger failed to answer this request; see the server log.",
    503: "The database could not complete this request (connection lost, or disk full); "
         "try again shortly. A write answered so was not acknowledged: read before repeating it.",
}


def error_response(status: int, message: str, errors: dict | None = None):
    body = {"code": status, "status": HTTPStatus(status).phrase, "message": message,
            "errors": errors or {}}
    return jsonify(body), status


def flatten_locations(messages: dict) -> dict:
    """webargs nests errors by location ({'json': {...}}); clients want field -> messages."""
    errors: dict = {}
    for location, found in messages.items():
        if isinstance(found, dict):
            errors.update(found)
        else:
            errors["body" if location == "json" else location] = found
    return errors


class LedgerApi(Api):
    """flask-smorest's Api answering every HTTP error in the ledger's one shape."""

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or flatten_locations(data.get("messages") or {})
        status = error.code or 500
        if status == 422 and errors:
            message = "Invalid input in: " + ", ".join(sorted(map(str, errors))) + "."
        else:
            message = data.get("message") or MESSAGES.get(status) or error.description
        response, status = error_response(status, message, errors)
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        if status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        if status == 405 and getattr(error, "valid_methods", None):  # RFC 9110: say which
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return response, status


def acknowledged_write():
    """201 for a write that was recorded although its resource could not be read back.

    Answering 5xx there would free the Idempotency-Key and invite a repeat that records the
    fact twice; the write happened, so the client is told so, with its id and position.
    """
    recorded = g.pop("recorded", None)
    if recorded is None:
        return None
    log.warning("write at position %s recorded; its resource could not be read back",
                recorded.position, exc_info=True)
    body = {"id": recorded.id, "position": recorded.position,
            "recorded_at": recorded.recorded_at.isoformat(), "complete": False,
            "message": f"Recorded at log position {recorded.position}; the full resource could "
                       "not be read back yet. GET it again shortly; do not repeat the write."}
    return jsonify(body), 201


def handle_domain_error(error):
    status = next(code for kind, code in DOMAIN_STATUS.items() if isinstance(error, kind))
    return error_response(status, error.message, getattr(error, "errors", None))


def handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):  # pragma: no cover - routed to the Api's handler
        raise error
    acknowledged = acknowledged_write()
    if acknowledged is not None:
        return acknowledged
    log.exception("unhandled error")
    return error_response(500, MESSAGES[500])


def handle_database_unavailable(error: Exception):
    acknowledged = acknowledged_write()
    if acknowledged is not None:
        return acknowledged
    log.exception("database unavailable")
    return error_response(503, MESSAGES[503])


def handle_read_model_failed(error: ProjectionFailed):
    """A read model stopped at an event it cannot apply: unavailable, never wrong."""
    acknowledged = acknowledged_write()
    if acknowledged is not None:
        return acknowledged
    log.error("%s", error)
    return error_response(503, f"The read model {error.name} is stopped at log position "
                               f"{error.position} and cannot answer; the operator is told by "
                               "`ledger verify` and GET /api/v1/projections.")


def register_error_handlers(app: Flask) -> None:
    """Domain refusals and unexpected failures in the same shape as HTTP errors."""
    for kind in DOMAIN_STATUS:
        app.register_error_handler(kind, handle_domain_error)
    app.register_error_handler(TimeoutError, handle_database_unavailable)
    app.register_error_handler(ProjectionFailed, handle_read_model_failed)
    for unavailable in (OperationalError, StoreUnavailable):  # the latter: the event store's
        app.register_error_handler(unavailable, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
