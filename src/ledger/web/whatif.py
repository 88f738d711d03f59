"""The what-if page (规则草案试算): a draft rule-set version's standings beside the current ones.

For regulators and auditors, as the API route (`POST /api/v1/what-if/standings`); it records
nothing. The form lists every item of the rule set in force today, its terms filled in; the items
ticked 列入草案 make the draft.
"""

from __future__ import annotations

from decimal import Decimal

from flask import render_template, request
from wtforms import BooleanField, DateField, DecimalField, FieldList, Form, FormField
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from ledger.domain.catalogue import draft_version, rule_title
from ledger.domain.errors import InvalidInput, RuleViolation
from ledger.domain.periods import month_problem, year_problem
from ledger.domain.principals import PREVIEW_RULES, authorize
from ledger.web import web
from ledger.web.auth import signed_in
from ledger.web.i18n import MESSAGES
from ledger.web.inspection_forms import REQUIRED, PageForm
from ledger.web.pages import register_page
from ledger.web.services import ledger, read_side, today

MESSAGES.update({
    "what_if": ("规则草案试算", "What-if under a draft rule set"),
    "what_if_note": ("按草案重新计算的排名，与现行得分并列；试算不记录任何内容。",
                     "Standings recomputed under the draft, beside the current ones; "
                     "nothing is recorded."),
    "draft_score": ("草案得分", "Draft score"), "draft_rank": ("草案排名", "Draft rank"),
    "draft_grade": ("草案等级", "Draft grade"), "current_score": ("现行得分", "Current score"),
    "current_rank": ("现行排名", "Current rank"), "current_grade": ("现行等级", "Current grade"),
    "delta": ("差值", "Difference"),
    "what_if_position": ("按日志位置 {position} 计算", "As of log position {position}"),
})


def cents(form, field) -> None:
    if field.data is not None and field.data != field.data.quantize(Decimal("0.01")):
        raise ValidationError("分值须为 0.01 的整数倍")


class ItemForm(Form):
    """One item of the rule set: whether the draft lists it, and its terms under the draft."""

    listed = BooleanField("列入草案")
    code = HiddenField()
    points = DecimalField("分值", places=None, validators=[
        Optional(), NumberRange(min=0, max=100, message="分值须在 0 到 100 之间"), cents])
    serious = BooleanField("严重")
    rectifiable = BooleanField("可整改")


class WhatIfForm(PageForm):
    effective_from = DateField("草案生效日期", validators=[
        InputRequired("请填写日期（YYYY-MM-DD）")])
    period = StringField("月份（YYYY-MM）或年度（YYYY）", validators=[InputRequired(REQUIRED)])
    items = FieldList(FormField(ItemForm))
    submit = SubmitField("试算")

    def validate_period(self, field) -> None:
        value = (field.data or "").strip()
        if month_problem(value) and year_problem(value):
            raise ValidationError("请填写月份（如 2025-06）或年度（如 2025）")

    def asked(self) -> dict:
        value = self.period.data.strip()
        return {"month": value} if not month_problem(value) else {"year": int(value)}

    def listed_items(self) -> list[dict]:
        return [{"code": e.code.data, "points": e.points.data, "serious": e.serious.data,
                 "rectifiable": e.rectifiable.data} for e in self.items if e.listed.data]


register_page("web.what_if", "what_if", roles=("regulator", "auditor"))


@web.route("/what-if", methods=["GET", "POST"])
def what_if():
    authorize(signed_in(), PREVIEW_RULES)
    form = WhatIfForm()
    version = ledger().catalogue().version_on(today())
    items = sorted(version.items.values(), key=lambda i: i.code) if version else []
    if request.method == "GET":
        form.effective_from.data, form.period.data = today(), str(today().year)
        for item in items:
            form.items.append_entry({"code": item.code, "points": item.points,
                                     "serious": item.serious, "rectifiable": item.rectifiable})
    titles = {item.code: rule_title(item.code) for item in items}
    answer, problems = None, []
    if form.validate_on_submit():
        listed = form.listed_items()
        missing = [i["code"] for i in listed if i["points"] is None]
        if not listed:
            problems = ["请至少勾选一个列入草案的扣分项"]
        elif missing:
            problems = [f"请填写 {', '.join(missing)} 的分值"]
        else:
            try:
                draft = draft_version(form.effective_from.data, listed)
                answer = read_side().what_if_standings(draft, **form.asked())
            except (InvalidInput, RuleViolation) as error:
                problems = [error.message]
    status = 422 if request.method == "POST" and (form.errors or problems) else 200
    return render_template("what_if.html", form=form, titles=titles, answer=answer,
                           problems=problems), status
