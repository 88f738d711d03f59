"""Everyone's pages: a home per role with today's work, the agency directory, and the answer
page of a recorded form."""

from __future__ import annotations

import json
from datetime import date, timedelta

import sqlalchemy as sa
from flask import abort, current_app, render_template, request

from ledger.api.idempotency import keys_table
from ledger.domain.errors import NotFound
from ledger.domain.principals import AGENCY, REGULATOR
from ledger.web import web
from ledger.web.auth import signed_in
from ledger.web.bureau import rectification_queue
from ledger.web.forms.base import principal_key
from ledger.web.pages import pages_for, register_page
from ledger.web.review import open_disputes
from ledger.web.services import read_side, today

register_page("web.directory", "directory", roles=("regulator", "reviewer", "auditor", "agency"))


def week_end(day: date) -> date:
    return day + timedelta(days=6 - day.weekday())


def months_ready() -> list[str]:
    """Ended months since the first agency registered that have no publication yet."""
    side = read_side()
    agencies = side.agencies()
    if not agencies:
        return []
    first = min(a["registered_on"] for a in agencies)
    now = today()
    found = []
    y, m = first.year, first.month
    while (y, m) < (now.year, now.month):
        month = f"{y:04d}-{m:02d}"
        try:
            side.standings(month, "published")
        except NotFound:
            found.append(month)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return found[-24:]


@web.get("/today")
def today_page():
    by = signed_in()
    if by.role == AGENCY:
        side = read_side()
        deductions = side.deductions(by.agency)
        disputable = [d for d in deductions if d["dispute_id"] is None
                      and d["status"] != "withdrawn"
                      and d["notified_on"] <= today() <= d["dispute_deadline"]]
        rect = [d for d in side.rectifications(agency=by.agency)
                if d["rectification_state"] in ("open", "overdue")]
        disputes = side.disputes(agency=by.agency)
        return render_template("today.html", role=by.role, disputable=disputable, rect=rect,
                               disputes=disputes, info=side.agency(by.agency),
                               pages=pages_for(by.role))
    open_rect, overdue_rect = rectification_queue()
    end = week_end(today())
    due_week = [d for d in open_rect if d["rectification_due"] <= end]
    disputes = open_disputes()
    return render_template("today.html", role=by.role, due_week=due_week,
                           overdue_rect=overdue_rect, disputes=disputes,
                           months=months_ready() if by.role == REGULATOR else [],
                           week_end=end, pages=pages_for(by.role))


@web.get("/agencies")
def directory():
    signed_in()
    query = (request.args.get("q") or "").strip()
    rows = sorted(read_side().agencies(), key=lambda a: a["credit_code"])
    if query:
        needle = query.casefold()
        rows = [a for a in rows if needle in a["name"].casefold()
                or needle in a["credit_code"].casefold()]
    return render_template("directory.html", rows=rows, q=query)


@web.get("/recorded/<key>")
def recorded(key: str):
    by = signed_in()
    engine = current_app.extensions["ledger"].idempotency.engine
    with engine.connect() as conn:
        row = conn.execute(sa.select(keys_table.c.status, keys_table.c.body).where(
            keys_table.c.idempotency_key == key,
            keys_table.c.principal == principal_key(by))).first()
    if row is None or row.status != 303 or not row.body:
        abort(404)
    return render_template("recorded.html", answer=json.loads(row.body))



