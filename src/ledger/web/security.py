"""What a bureau expects of its web forms: CSRF tokens, same-origin posts, security headers.

- Every POST to the pages carries Flask-WTF's CSRF token (the session holds its secret); the
  API's bearer-token routes have no cookie to ride on and are not checked.
- A page POST whose Origin (or, without one, Referer) names another site is refused (403)
  before anything runs.
- Every page answers with a Content-Security-Policy that allows only this site's own scripts,
  styles and images (no inline script or style), refuses framing, and with nosniff and a
  same-origin Referrer-Policy.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, request
from flask_wtf.csrf import CSRFError, CSRFProtect

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

csrf = CSRFProtect()


def same_origin(value: str) -> bool:
    """Whether an Origin or Referer names this very scheme, host and port."""
    if value == "null":
        return False
    own = urlsplit(request.host_url)
    other = urlsplit(value)
    return (other.scheme, other.netloc) == (own.scheme, own.netloc)


def check_post() -> None:
    """before_request of the pages: a POST must come from this site and carry the CSRF token."""
    if request.method != "POST":
        return
    origin = request.headers.get("Origin")
    referer = request.headers.get("Referer")
    if origin is not None and not same_origin(origin):
        abort(403, description="cross-origin")
    if origin is None and referer and not same_origin(referer):
        abort(403, description="cross-origin")
    csrf.protect()


def add_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_security(app: Flask) -> None:
    # Checked by the pages' own before_request, so the JSON API (bearer tokens) is untouched.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    # The Referer check of Flask-WTF (HTTPS only) is ours above, for http and https alike.
    app.config.setdefault("WTF_CSRF_SSL_STRICT", False)
    csrf.init_app(app)


def guard(blueprint) -> None:
    """The pages' blueprint checks every POST and adds the headers to every answer."""
    blueprint.before_request(check_post)
    blueprint.after_request(add_headers)


__all__ = ["CSRFError", "csrf", "init_security", "guard", "add_headers"]
