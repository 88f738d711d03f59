"""The regulator's training forms: a session, and its attendance several people at once."""

from __future__ import annotations

from wtforms import SelectField

from ledger.web.forms.agencies import agency_field
from ledger.web.forms.base import options, Figure, LedgerForm, Text, day_field, name_field, required, text_field


class TrainingSessionForm(LedgerForm):
    main = "topic"
    title_key = "form_session"
    kind = SelectField(Text("kind"), [required()], validate_choice=False,
                       choices=options([("lecture", Text("lecture")), ("onsite", Text("onsite")),
                                ("online", Text("online"))]))
    held_on = day_field("f_held_on")
    topic = name_field("f_topic")
    hours = Figure(Text("f_hours"), [required()])


class AttendanceForm(LedgerForm):
    """One agency's staff at one session: one person a line, `staff_ref name`."""

    main = "people"
    title_key = "form_attendance"
    session_id = SelectField(Text("f_session"), [required()], validate_choice=False, choices=[])
    code = agency_field()
    people = text_field("f_people", render_kw={"rows": 5})

    def lines(self) -> list[tuple[int, str, str]]:
        """(line number, staff_ref, name) of each non-blank line."""
        found = []
        for number, line in enumerate((self.people.data or "").splitlines(), 1):
            parts = line.replace("\t", " ").replace("，", " ").replace(",", " ").split(None, 1)
            if parts:
                found.append((number, parts[0], parts[1].strip() if len(parts) > 1 else ""))
        return found
