"""The bureau's pages: server-rendered, Chinese by default, on the same app as the API."""

from __future__ import annotations

import os
from decimal import Decimal

from flask import Blueprint, Flask, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter

from ledger.domain.errors import LedgerError, NotFound, NotPermitted
from ledger.web.auth import viewer
from ledger.web.i18n import COOKIE, LANGUAGES, language, translate
from ledger.web.pages import pages_for
from ledger.web.refusals import refusal_text
from flask_wtf.csrf import CSRFError
from ledger.web.secret import secret_key
from ledger.web.security import guard, init_security
from ledger.web.server_session import ServerSessions

web = Blueprint("web", __name__, template_folder="templates", static_folder="static",
                static_url_path="/static/web")
guard(web)


def number(value: object) -> str:
    """A score or points as people write it: 97.5, 100, never 1E+2."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


def china_time(stamp: str) -> str:
    """An ISO timestamp as China time, to the second."""
    from datetime import datetime

    from ledger.config import CHINA
    return datetime.fromisoformat(stamp).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def recorded_values(values: dict) -> dict:
    """An answer's values with message keys (an outcome's `status_reduced`) translated."""
    return {k: translate(v) if isinstance(v, str) and v.startswith("status_") else v
            for k, v in values.items()}


def url_here(**changes: object) -> str:
    """This page's address with some query arguments changed (None drops one)."""
    args = {**request.view_args, **request.args.to_dict()}
    args.update(changes)
    return url_for(request.endpoint, **{k: v for k, v in args.items() if v is not None})


@web.errorhandler(LedgerError)
@web.errorhandler(HTTPException)
def error_page(error: Exception):
    """Refusals and HTTP errors as pages, in the page's language (refusals via one table)."""
    zh = language() == "zh"
    if isinstance(error, HTTPException) and error.code == 401:
        from ledger.web.session import sign_in_page
        return sign_in_page(status=401)
    if isinstance(error, CSRFError):
        status, key, text = 400, "csrf_refused", translate("csrf_refused_text")
    elif isinstance(error, LedgerError):
        status, key = ((403, "forbidden") if isinstance(error, NotPermitted) else
                       (404, "not_found") if isinstance(error, NotFound) else (422, "refused_heading"))
        text = refusal_text(error) if zh else error.message
    elif isinstance(error, HTTPException) and error.code == 403:
        status, key, text = 403, "forbidden", translate("cross_origin_text")
    elif isinstance(error, HTTPException):
        status = error.code or 500
        key = "not_found" if status == 404 else "refused_heading"
        text = translate("http_error_text", code=status) if zh else (error.description or "")
    else:
        raise error
    if status == 403 and isinstance(error, LedgerError):
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


class YearConverter(BaseConverter):
    """A year in a page's path: four ASCII digits (anything else is no such page)."""

    regex = r"[0-9]{4}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: object) -> str:
        return str(value)


def init_web(app: Flask, engine) -> None:
    """Register the pages under / with their session settings and HTML error pages."""
    from ledger.web import agency, bureau, exports, session, standings, upload  # noqa: F401
    from ledger.web import results  # noqa: F401
    from ledger.web import inspections  # noqa: F401
    from ledger.web import deduction, home, review, work  # noqa: F401
    from ledger.web import calendars  # noqa: F401
    from ledger.web import whatif  # noqa: F401
    from ledger.web.i18n_forms import add_messages
    from ledger.web.summaries import summary_zh
    from ledger.web.titles import with_title
    add_messages()

    # Secure unless told the pages are served over plain http (browsers accept Secure
    # cookies from http://localhost and 127.0.0.1 anyway).
    plain = app.config.get("WEB_PLAIN_HTTP", os.environ.get("LEDGER_WEB_PLAIN_HTTP") == "1")
    app.config.update(SESSION_COOKIE_SECURE=not plain, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax")
    app.secret_key = secret_key(app.config, engine)
    app.session_interface = ServerSessions(engine)
    init_security(app)
    app.jinja_env.globals.update(_=translate, viewer=viewer, url_here=url_here)
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["rule"] = with_title
    app.jinja_env.filters["summary"] = summary_zh
    app.jinja_env.filters["china_time"] = china_time
    app.jinja_env.globals.update(recorded_values=recorded_values, pages_for=pages_for)
    app.url_map.converters["yyyy"] = YearConverter
    app.register_blueprint(web)
