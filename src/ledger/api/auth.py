"""Who is calling: bearer tokens, and the role table of docs/API.md checked before a view runs."""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, request
from flask_smorest import Blueprint, abort

from ledger.domain.principals import ALLOWED, Principal, authorize


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def current_principal() -> Principal | None:
    """The caller, authenticated once per request (None without a known token)."""
    if "principal" not in g:
        g.principal = current_app.extensions["ledger"].tokens.authenticate(bearer_token())
    return g.principal


def caller() -> Principal:
    """The caller of a protected route: 401 without a known token."""
    principal = current_principal()
    if principal is None:
        token = bearer_token()
        if token is None:
            message = "A bearer token is required: send 'Authorization: Bearer TOKEN'."
        else:
            record = current_app.extensions["ledger"].tokens.lookup(token)
            message = (record.refusal() if record else None) or "The bearer token is not known."
        abort(401, message=message)
    return principal


def roles_doc(action: str) -> dict:
    """The roles that may do `action`, for the OpenAPI description (`x-roles`)."""
    return {"x-roles": sorted(ALLOWED[action])}


def requires(action: str, agency_arg: str | None = "code"):
    """Refuse the request (401/403) before reading its body unless the role may do `action`.

    An agency may act only on its own code, taken from the route argument `agency_arg`.
    """
    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            authorize(caller(), action, kwargs.get(agency_arg) if agency_arg else None)
            return view(*args, **kwargs)
        return Blueprint.doc(security=[{"bearerAuth": []}], **roles_doc(action))(guarded)
    return decorator
