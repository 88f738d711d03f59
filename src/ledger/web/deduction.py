"""One deduction: its facts and deadlines, and what each role may do with it here (an agency
files a dispute within the window; a regulator withdraws, records the rectification or a paper
dispute)."""

from __future__ import annotations

from flask import render_template, url_for

from ledger.domain.principals import AGENCY, REGULATOR
from ledger.web import web
from ledger.web.auth import may_read, signed_in
from ledger.web.forms.base import perform, trail_link
from ledger.web.forms.disputes import DisputeForm
from ledger.web.services import ledger, read_side, today
from ledger.web.titles import with_title


def dispute_window_open(d: dict) -> bool:
    """Whether a dispute can still be filed today (the domain refuses it otherwise anyway)."""
    return (d["dispute_id"] is None and d["status"] != "withdrawn"
            and d["notified_on"] <= today() <= d["dispute_deadline"])


def deduction_page(deduction_id: str, form: DisputeForm | None = None, status: int = 200):
    by = signed_in()
    d = read_side().deduction(deduction_id)
    may_read(d["agency"])
    dispute = read_side().dispute(d["dispute_id"]) if d["dispute_id"] else None
    may_file = by.role in (AGENCY, REGULATOR) and dispute_window_open(d)
    if form is None and may_file:
        form = DisputeForm()
    if form is not None and by.role == AGENCY:
        del form.filed_on  # an agency's filing is dated today by the ledger
    info = read_side().agency(d["agency"])
    return render_template("deduction.html", d=d, dispute=dispute, info=info,
                           rule=with_title(d["rule_code"]), form=form if may_file else None,
                           window_open=dispute_window_open(d), role=by.role,
                           trail=trail_link(d["agency"], d["found_on"], d["position"])), status


@web.get("/deductions/<deduction_id>")
def deduction(deduction_id: str):
    return deduction_page(deduction_id)


@web.post("/deductions/<deduction_id>/dispute")
def file_dispute(deduction_id: str):
    by = signed_in()
    d = read_side().deduction(deduction_id)
    may_read(d["agency"])
    form = DisputeForm()
    if by.role == AGENCY:
        del form.filed_on
    if form.validate_on_submit():
        filed_on = getattr(form, "filed_on", None)
        filed_on = filed_on.data if filed_on is not None else None
        done = perform(form, by, lambda: ledger().file_dispute(by, deduction_id,
                                                               form.grounds.data, filed_on),
                       lambda r: {"what": ["done_dispute", {"rule": with_title(d["rule_code"])}],
                                  "links": [["trail_entry", trail_link(d["agency"], d["found_on"],
                                                                       r.position)],
                                            ["deduction", url_for("web.deduction",
                                                                  deduction_id=deduction_id)]]})
        if done:
            return done
    dispute = read_side().dispute(d["dispute_id"]) if d["dispute_id"] else None
    return render_template("deduction.html", d=d, dispute=dispute,
                           info=read_side().agency(d["agency"]), rule=with_title(d["rule_code"]),
                           form=form, window_open=dispute_window_open(d), role=by.role,
                           trail=trail_link(d["agency"], d["found_on"], d["position"])), 422
