"""The bureau's pages: server-rendered, Chinese by default, on the same app as the API."""

from __future__ import annotations

import os
from decimal import Decimal

from flask import Blueprint, Flask, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ledger.domain.errors import LedgerError, NotFound, NotPermitted
from ledger.web.auth import viewer
from ledger.web.i18n import COOKIE, LANGUAGES, language, translate
from ledger.web.secret import secret_key

web = Blueprint("web", __name__, template_folder="templates", static_folder="static",
                static_url_path="/static/web")


def number(value: object) -> str:
    """A score or points as people write it: 97.5, 100, never 1E+2."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


def url_here(**changes: object) -> str:
    """This page's address with some query arguments changed (None drops one)."""
    args = {**request.view_args, **request.args.to_dict()}
    args.update(changes)
    return url_for(request.endpoint, **{k: v for k, v in args.items() if v is not None})


@web.errorhandler(LedgerError)
@web.errorhandler(HTTPException)
def error_page(error: Exception):
    if isinstance(error, NotPermitted):
        status, key, text = 403, "forbidden", error.message
    elif isinstance(error, NotFound):
        status, key, text = 404, "not_found", error.message
    elif isinstance(error, LedgerError):
        status, key, text = 422, "not_found", error.message
    elif isinstance(error, HTTPException) and error.code == 401:
        from ledger.web.session import sign_in_page
        return sign_in_page(status=401)
    elif isinstance(error, HTTPException):
        status, key, text = error.code or 500, "not_found", error.description
    else:
        raise error
    if status == 403:
        text = translate("forbidden_text") + " " + text
    return render_template("error.html", status=status, heading=translate(key),
                           text=text), status


@web.app_template_global()
def page_language() -> str:
    return language()


@web.after_app_request
def remember_language(response):
    wanted = request.args.get("lang")
    if wanted in LANGUAGES and request.blueprint == "web":
        response.set_cookie(COOKIE, wanted, max_age=365 * 86400, samesite="Lax")
    return response


def init_web(app: Flask, engine) -> None:
    """Register the pages under / with their session settings and HTML error pages."""
    from ledger.web import agency, bureau, exports, session, standings, upload  # noqa: F401
    from ledger.web import results  # noqa: F401
    from ledger.web import inspections  # noqa: F401

    # Secure unless told the pages are served over plain http (browsers accept Secure
    # cookies from http://localhost and 127.0.0.1 anyway).
    plain = app.config.get("WEB_PLAIN_HTTP", os.environ.get("LEDGER_WEB_PLAIN_HTTP") == "1")
    app.config.update(SESSION_COOKIE_SECURE=not plain, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax")
    app.secret_key = secret_key(app.config, engine)
    app.jinja_env.globals.update(_=translate, viewer=viewer, url_here=url_here)
    app.jinja_env.filters["number"] = number
    app.register_blueprint(web)
