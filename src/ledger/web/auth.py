"""Who is looking at a page: a token given once at sign-in, kept in the server-side session.

The session (`ledger.web.server_session`) lives on the server; the cookie carries only its
random id. The token is looked up in the token store on every request, so its checks (a
revoked or expired token) apply to the pages as to the API.
"""

from __future__ import annotations

from flask import abort, current_app, g, session

from ledger.domain.errors import NotPermitted
from ledger.domain.principals import AGENCY, READ, RECORD, Principal, authorize

SESSION_KEY = "token"


def tokens():
    return current_app.extensions["ledger"].tokens


def viewer() -> Principal | None:
    """The signed-in principal, checked on every request by the API's own validity check
    (`Tokens.principal`): a token revoked or expired since sign-in signs the viewer out."""
    if "viewer" not in g:
        token = session.get(SESSION_KEY)
        g.viewer = tokens().principal(token)
        if token and g.viewer is None:
            session.clear()
    return g.viewer


def sign_in(token: str) -> Principal | None:
    principal = tokens().authenticate(token.strip())
    if principal is not None:
        session.clear()
        regenerate = getattr(session, "regenerate", None)
        if regenerate:
            regenerate()  # a new session id at sign-in: no fixation
        session[SESSION_KEY] = token.strip()
        session.permanent = False
    return principal


def sign_out() -> None:
    session.clear()


def signed_in() -> Principal:
    """The viewer of a non-public page; without one, the sign-in page answers (401)."""
    principal = viewer()
    if principal is None:
        abort(401)
    return principal


def may_read(code: str) -> Principal:
    """The API's rule for agency pages: any role, an agency only its own code."""
    principal = signed_in()
    authorize(principal, READ, code)
    return principal


def bureau() -> Principal:
    """The bureau's own pages and bulk exports: every role but an agency."""
    principal = signed_in()
    if principal.role == AGENCY:
        raise NotPermitted("The bureau's pages are not open to agency tokens.")
    return principal


def regulator() -> Principal:
    principal = signed_in()
    authorize(principal, RECORD)
    return principal
