"""Disputes: an agency's (or a regulator's paper) filing, and a reviewer's decision."""

from __future__ import annotations

from wtforms import RadioField

from ledger.web.forms.base import options, Figure, LedgerForm, Text, day_field, required, text_field


class DisputeForm(LedgerForm):
    """An agency's filing is dated today by the ledger; a regulator may give a paper date."""

    main = "grounds"
    title_key = "form_dispute"
    grounds = text_field("grounds")
    filed_on = day_field("filed_on", needed=False)


class DecisionForm(LedgerForm):
    main = "outcome"
    title_key = "form_decision"
    outcome = RadioField(Text("f_outcome"), [required()], validate_choice=False,
                         choices=options([("upheld", Text("outcome_upheld")),
                                  ("overturned", Text("outcome_overturned")),
                                  ("reduced", Text("outcome_reduced"))]))
    points = Figure(Text("f_new_points"), places=1)
    reasoning = text_field("f_reasoning")
    decided_on = day_field("f_decided_on")
