"""The regulator's forms about agencies: registration, deregistration, secondments, ratings,
provincial scores."""

from __future__ import annotations

from wtforms import SelectField, StringField

from ledger.web.forms.base import (
    Figure, LedgerForm, Text, Whole, Within, day_field, name_field, required, text_field,
)


def agency_field(key: str = "f_agency") -> SelectField:
    """An agency chosen by name (its credit code is the value); choices set by the view."""
    return SelectField(Text(key), [required()], validate_choice=False, choices=[])


class RegisterAgencyForm(LedgerForm):
    main = "credit_code"
    title_key = "form_register"
    credit_code = StringField(Text("code"), [required(), Within(18)],
                              render_kw={"autocomplete": "off", "spellcheck": "false",
                                         "autocapitalize": "characters"})
    name = name_field("name")
    registered_on = day_field("f_registered_on")


class DeregisterAgencyForm(LedgerForm):
    main = "code"
    title_key = "form_deregister"
    code = agency_field()
    deregistered_on = day_field("f_deregistered_on")
    reason = text_field("reason", needed=False)


class SecondmentForm(LedgerForm):
    main = "staff_ref"
    title_key = "form_secondment"
    code = agency_field()
    staff_ref = name_field("f_staff_ref")
    staff_name = name_field("f_staff_name")
    department = name_field("f_department")
    started_on = day_field("f_started_on")


class CompleteSecondmentForm(LedgerForm):
    main = "secondment_id"
    title_key = "form_complete_secondment"
    secondment_id = SelectField(Text("f_secondment"), [required()], validate_choice=False,
                                choices=[])
    ended_on = day_field("f_ended_on")


class RatingForm(LedgerForm):
    main = "rating"
    title_key = "form_rating"
    code = agency_field()
    rated_on = day_field("f_rated_on")
    purchaser = name_field("f_purchaser")
    project_ref = name_field("f_project_ref")
    rating = Figure(Text("f_rating"), [required()])


class ProvincialForm(LedgerForm):
    main = "score"
    title_key = "form_provincial"
    code = agency_field()
    year = Whole(Text("year"), [required()])
    score = Figure(Text("f_provincial_score"), [required()])

