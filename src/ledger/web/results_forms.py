"""The forms of a year's results pages (Flask-WTF): Chinese labels and messages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ledger.domain.text import TEXT_LIMIT
from ledger.web.forms.base import options

REQUIRED = "此项必填。"
TOO_LONG = f"不能超过 {TEXT_LIMIT} 个字符。"
BAD_DATE = "请填写有效日期（年-月-日）。"


class OpenNoticeForm(FlaskForm):
    """A regulator opens the notice (公示) of the year."""

    opened_on = DateField("公示开始日期", validators=[InputRequired(REQUIRED)])


class ObjectionForm(FlaskForm):
    """An agency objects to its noticed result; the ledger dates it with today's date."""

    grounds = TextAreaField("异议理由", validators=[DataRequired(REQUIRED),
                                                  Length(max=TEXT_LIMIT, message=TOO_LONG)])


class DecisionForm(FlaskForm):
    """A reviewer decides an objection."""

    outcome = RadioField("复核结论", choices=options([("dismissed", "驳回（维持公示结果）"),
                                                  ("corrected", "更正（按更正后的事实重新冻结）")]),
                         validators=[InputRequired(REQUIRED)])
    reasoning = TextAreaField("复核理由", validators=[DataRequired(REQUIRED),
                                                    Length(max=TEXT_LIMIT, message=TOO_LONG)])
    decided_on = DateField("决定日期", validators=[InputRequired(REQUIRED)])


class FinalizeForm(FlaskForm):
    """A regulator finalizes the year's results."""

    finalized_on = DateField("定稿日期", validators=[InputRequired(REQUIRED)])


def date_messages(form: FlaskForm) -> None:
    """WTForms' English 'Not a valid date value.' in Chinese."""
    for field in form:
        if isinstance(field, DateField):
            field.errors = [BAD_DATE if "date" in str(e).lower() and e != REQUIRED else e
                            for e in field.errors]
