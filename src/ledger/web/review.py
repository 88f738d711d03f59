"""The reviewer's queue of open disputes (review due first, overdue marked) and the decision
form, with the deduction's evidence and the agency's grounds side by side."""

from __future__ import annotations

from flask import render_template, request, url_for

from ledger.domain.principals import REVIEWER
from ledger.domain.errors import NotPermitted
from ledger.web import web
from ledger.web.auth import bureau, signed_in
from ledger.web.forms.base import perform, trail_link
from ledger.web.forms.disputes import DecisionForm
from ledger.web.pages import register_page
from ledger.web.services import ledger, read_side, today
from ledger.web.titles import with_title

register_page("web.review_queue", "review_queue", roles=("reviewer", "regulator", "auditor"))


def open_disputes() -> list[dict]:
    side = read_side()
    names = {a["credit_code"]: a["name"] for a in side.agencies()}
    found = [dict(d, name=names.get(d["agency"], d["agency"]))
             for d in side.disputes(status="open")]
    found.sort(key=lambda d: (d["review_due"], d["filed_on"], d["id"]))
    return found


@web.get("/review")
def review_queue():
    bureau()
    return render_template("review.html", disputes=open_disputes())


@web.route("/review/<dispute_id>", methods=["GET", "POST"])
def decide(dispute_id: str):
    by = signed_in()
    if by.role != REVIEWER:
        if request.method == "POST":
            raise NotPermitted(f"Role {by.role} may not resolve a dispute.")
        bureau()
    side = read_side()
    dispute = side.dispute(dispute_id)
    d = side.deduction(dispute["deduction_id"])
    form = DecisionForm()
    if request.method == "GET":
        form.decided_on.data = today()
    if by.role == REVIEWER and form.validate_on_submit():
        outcome = form.outcome.data
        points = form.points.data if outcome == "reduced" else None
        done = perform(form, by, lambda: ledger().resolve_dispute(
            by, dispute_id, outcome, form.reasoning.data, form.decided_on.data, points),
            lambda r: {"what": ["done_decision", {"rule": with_title(d["rule_code"]),
                                                  "outcome": "status_" + outcome}],
                       "links": [["trail_entry", trail_link(d["agency"], d["found_on"], r.position)],
                                 ["deduction", url_for("web.deduction", deduction_id=d["id"])]]})
        if done:
            return done
    status = 422 if request.method == "POST" else 200
    return render_template("decide.html", form=form if by.role == REVIEWER else None,
                           dispute=dispute, d=d, info=side.agency(d["agency"]),
                           rule=with_title(d["rule_code"])), status
