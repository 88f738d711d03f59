"""What every form shares: its key, Chinese fields, and running one `Ledger` command.

A form carries a random `form_key` from the moment it is rendered. Submitting it claims that
key in the idempotency store (the API's `Idempotency-Key` table) for the signed-in principal
before the command runs; the answer is stored with the key. A second click, a reload of the
POST or a resubmission of the same rendered form therefore records nothing more and shows the
first answer. A refused submission frees its key, so the corrected form can be sent again.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import current_app, redirect, url_for
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, HiddenField, IntegerField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from ledger.unit_of_work import Recorded
from ledger.domain.errors import InvalidInput, LedgerError
from ledger.domain.principals import Principal
from ledger.domain.text import NAME_LIMIT, TEXT_LIMIT, text_problem
from ledger.web.i18n import language, translate
from ledger.web.refusals import chinese
from ledger.web.services import read_side


class Text:
    """A label or message in the request's language, looked up when it is shown."""

    def __init__(self, key: str, **values: object) -> None:
        self.key, self.values = key, values

    def __str__(self) -> str:
        return translate(self.key, **self.values)

    def __html__(self) -> str:
        from markupsafe import escape
        return str(escape(str(self)))

    def __bool__(self) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.key)


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms' choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def required() -> DataRequired:
    return DataRequired(message=Text("f_required"))


def optional() -> Optional:
    return Optional()


class Within(Length):
    """Text as the domain accepts it (`ledger.domain.text`: at most `limit` characters, no
    control characters or unpaired surrogates), refused in the page's language."""

    def __init__(self, limit: int) -> None:
        super().__init__(max=limit)

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        problem = text_problem(field.data, limit=self.max, required=False)
        if problem:
            raise StopValidation(problem if language() == "en" else chinese(problem))


class Day(DateField):
    """A date in YYYY-MM-DD (the browser's date picker sends that)."""

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(Text("f_bad_date")) from None


class Figure(DecimalField):
    """A finite decimal number with at most two decimals (DOMAIN's figures)."""

    def __init__(self, *args, places: int = 2, **kwargs) -> None:
        kwargs.setdefault("render_kw", {}).update(inputmode="decimal")
        super().__init__(*args, places=None, **kwargs)
        self.most = places

    def process_formdata(self, valuelist) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            value = Decimal(valuelist[0].strip())
        except (InvalidOperation, ValueError):
            self.data = None
            raise ValueError(Text("f_bad_number")) from None
        if not value.is_finite() or value.as_tuple().exponent < -self.most:
            self.data = None
            raise ValueError(Text("f_bad_figure"))
        self.data = value


class Whole(IntegerField):
    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(Text("f_bad_whole")) from None


def name_field(key: str, needed: bool = True, **kwargs) -> StringField:
    return StringField(Text(key), [required() if needed else optional(), Within(NAME_LIMIT)],
                       **kwargs)


def text_field(key: str, needed: bool = True, **kwargs):
    from wtforms import TextAreaField
    return TextAreaField(Text(key), [required() if needed else optional(), Within(TEXT_LIMIT)],
                         **kwargs)


def day_field(key: str, needed: bool = True, **kwargs) -> Day:
    return Day(Text(key), [required() if needed else optional()], **kwargs)


class LedgerForm(FlaskForm):
    """A form with its idempotency key; `main` names the field a refusal without one is shown at."""

    form_key = HiddenField()
    main = ""
    title_key = ""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.form_key.data or len(self.form_key.data) > 64:
            self.form_key.data = secrets.token_urlsafe(18)
        self.refusal: str | None = None  # shown above the form when no field fits

    def visible(self):
        return [f for f in self if f.type not in ("HiddenField", "CSRFTokenField")]

    def refuse(self, error: LedgerError) -> None:
        """Show a domain refusal on the form: at the fields it names, else at `main`."""
        english = language() == "en"
        if isinstance(error, InvalidInput):
            for name, messages in error.errors.items():
                field = getattr(self, name, None)
                shown = [m if english else chinese(m) for m in messages]
                if field is not None and hasattr(field, "errors"):
                    field.errors = list(field.errors) + shown
                else:
                    self.refusal = "；".join(shown)
            return
        text = error.message if english else chinese(error.message)
        field = getattr(self, self.main, None) if self.main else None
        if field is not None:
            field.errors = list(field.errors) + [text]
        self.refusal = text


def principal_key(by: Principal) -> str:
    return f"web:{by.role}:{by.name}:{by.agency or ''}"


def perform(form: LedgerForm, by: Principal, command: Callable[[], Recorded],
            describe: Callable[[Recorded], dict]):
    """Run `command` once for this rendered form; a redirect to its answer, or None if refused.

    `describe(recorded)` gives what the answer page shows: {"what": ..., "links": [[label, url]]}.
    """
    keys = current_app.extensions["ledger"].idempotency
    key, who, name = form.form_key.data, principal_key(by), type(form).__name__
    first = keys.claim(key, who, name)
    if first is not None:
        if first.fingerprint == name and first.status is not None:
            return redirect(url_for("web.recorded", key=key), 303)
        form.refusal = translate("f_busy")
        form.form_key.data = secrets.token_urlsafe(18)
        return None
    try:
        recorded = command()
    except LedgerError as error:
        keys.finish(key, who, 422, None)  # frees the key: the corrected form may be sent
        form.refuse(error)
        return None
    except BaseException:
        keys.finish(key, who, 500, None)
        raise
    read_side().wait_for(recorded.position)
    answer = {"position": recorded.position, "recorded_at": recorded.recorded_at.isoformat(),
              "form": name, **describe(recorded)}
    keys.finish(key, who, 303, json.dumps(answer, ensure_ascii=False, default=str))
    return redirect(url_for("web.recorded", key=key), 303)


def trail_link(code: str, day: date, position: int) -> str:
    return url_for("web.month", code=code, month=f"{day.year:04d}-{day.month:02d}") + \
        f"#event-{position}"
