"""Signing in with a token and out again."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from ledger.web import web
from ledger.web.auth import sign_in, sign_out
from ledger.web.i18n import translate


def safe_next(target: str | None) -> str:
    """Only a path on this site, never another host."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("web.standings")


def sign_in_page(status: int = 200, error: str | None = None):
    return render_template("sign_in.html", error=error,
                           next=safe_next(request.values.get("next") or
                                          (request.full_path if status == 401 else None))), status


@web.get("/sign-in")
def sign_in_form():
    return sign_in_page()


@web.post("/sign-in")
def sign_in_submit():
    if sign_in(request.form.get("token", "")) is None:
        return sign_in_page(401, translate("bad_token"))
    return redirect(safe_next(request.form.get("next")), 303)


@web.post("/sign-out")
def sign_out_submit():
    sign_out()
    return redirect(url_for("web.standings"), 303)
