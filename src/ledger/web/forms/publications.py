"""Publishing a month (the standings it will freeze are shown first)."""

from __future__ import annotations

from wtforms import StringField

from ledger.web.forms.base import LedgerForm, Text, Within, day_field, required


class PublishMonthForm(LedgerForm):
    main = "month"
    title_key = "form_publish"
    month = StringField(Text("month"), [required(), Within(7)], render_kw={"type": "month"})
    published_on = day_field("published_on")
