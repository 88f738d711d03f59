"""The bureau's work queues: disputes to review, rectifications to chase, the year's training."""

from __future__ import annotations

from flask import render_template, request

from ledger.web import web
from ledger.web.auth import bureau
from ledger.web.paging import page_of
from ledger.web.services import default_year, read_side, year_arg


def rectification_queue() -> tuple[list[dict], list[dict]]:
    """Deductions awaiting rectification: (open, overdue), due date first."""
    side = read_side()
    names = {a["credit_code"]: a["name"] for a in side.agencies()}
    waiting = [dict(d, name=names.get(d["agency"], d["agency"]), rect=d["rectification_state"])
               for d in side.rectifications() if d["rectification_state"] in ("open", "overdue")]
    return ([d for d in waiting if d["rect"] == "open"],
            [d for d in waiting if d["rect"] == "overdue"])


@web.get("/bureau")
def queues():
    bureau()
    side = read_side()
    names = {a["credit_code"]: a["name"] for a in side.agencies()}
    disputes = [dict(d, name=names.get(d["agency"], d["agency"]))
                for d in side.disputes(status="open")]
    disputes.sort(key=lambda d: (not d["overdue"], d["review_due"], d["id"]))
    disputes = page_of(disputes, request.args.get("disputes_from"), "disputes_from")
    open_rect, overdue_rect = rectification_queue()
    year = year_arg(request.args.get("year"), default_year())
    return render_template("queues.html", disputes=disputes, open_rect=open_rect,
                           overdue_rect=overdue_rect, year=year,
                           training=side.training_statistics(year))
