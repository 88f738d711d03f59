"""The regulator's forms about deductions: record (with a preview), withdraw, rectification."""

from __future__ import annotations

from wtforms import SelectField, StringField, SubmitField

from ledger.web.forms.agencies import agency_field
from ledger.web.forms.base import (
    LedgerForm, Text, Within, day_field, name_field, optional, required, text_field,
)


class DeductionForm(LedgerForm):
    main = "rule_code"
    title_key = "form_deduction"
    code = agency_field()
    rule_code = SelectField(Text("rule"), [required()], validate_choice=False, choices=[])
    found_on = day_field("found_on")
    notified_on = day_field("f_notified_on", needed=False)
    reason = text_field("reason")
    project_ref = name_field("f_project_ref", needed=False)
    evidence_document = name_field("f_evidence_document", needed=False)
    evidence_sha256 = StringField(Text("f_evidence_sha256"), [optional(), Within(64)],
                                  render_kw={"autocomplete": "off", "spellcheck": "false"})
    preview = SubmitField(Text("f_preview"))


class WithdrawForm(LedgerForm):
    main = "reason"
    title_key = "form_withdraw"
    reason = text_field("reason")


class RectificationForm(LedgerForm):
    main = "completed_on"
    title_key = "form_rectification"
    completed_on = day_field("f_completed_on")
    note = text_field("f_note", needed=False)
