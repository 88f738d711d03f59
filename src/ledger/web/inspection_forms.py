"""The regulator's forms for the inspection plan: the draw (with a preview) and an inspection."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, SubmitField
from wtforms import TextAreaField
from wtforms.validators import (
    DataRequired, InputRequired, Length, NumberRange, ValidationError,
)

from wtforms.i18n import get_translations

from ledger.domain.errors import InvalidInput
from ledger.web.i18n import language
from ledger.domain.text import NAME_LIMIT, TEXT_LIMIT

REQUIRED = "此项必填"
SEPARATORS = re.compile(r"[\s,，、;；]+")


def share(form: FlaskForm, field) -> None:
    """0 < ratio <= 1."""
    if field.data is not None and not (field.data.is_finite() and 0 < field.data <= 1):
        raise ValidationError("比例须大于 0 且不大于 1")


def split_list(text: str | None) -> list[str]:
    """Names or codes separated by commas, 、, semicolons or white space."""
    return [part for part in SEPARATORS.split(text or "") if part]


class PageForm(FlaskForm):
    """WTForms' own messages (a date it cannot read…) in the page's language."""

    class Meta:
        def get_translations(self, form):
            return get_translations(["zh" if language() == "zh" else "en"])


class DrawForm(PageForm):
    """抽取年度监督检查计划：先预览，再确认。"""

    year = IntegerField("年度", validators=[InputRequired(REQUIRED)])
    drawn_on = DateField("抽取日期", validators=[InputRequired("请填写日期（YYYY-MM-DD）")])
    ratio = DecimalField("随机抽取比例（0 < 比例 ≤ 1）", places=None, validators=[
        InputRequired(REQUIRED), share])
    team_size = IntegerField("每组检查人员人数", default=2, validators=[
        InputRequired(REQUIRED), NumberRange(min=1, message="至少 1 人")])
    seed_text = StringField("公开种子文字（抽取前公布，如彩票开奖号码）", validators=[
        DataRequired(REQUIRED), Length(max=NAME_LIMIT, message=f"最多 {NAME_LIMIT} 个字符")])
    inspectors = TextAreaField("检查人员（每行一人：姓名：须回避机构的统一社会信用代码，用逗号分隔）",
                               validators=[DataRequired(REQUIRED)])
    preview = SubmitField("预览")
    confirm = SubmitField("确认抽取并公开")

    def inspector_entries(self) -> list[dict]:
        """Each line `姓名：代码，代码` as {name, conflicts}."""
        entries = []
        for line in (self.inspectors.data or "").splitlines():
            if not line.strip():
                continue
            name, _, codes = line.replace("：", ":").partition(":")
            entries.append({"name": name.strip(), "conflicts": split_list(codes)})
        return entries

    def command_args(self) -> dict:
        return {"year": self.year.data, "drawn_on": self.drawn_on.data, "ratio": self.ratio.data,
                "seed_text": self.seed_text.data, "inspectors": self.inspector_entries(),
                "team_size": self.team_size.data}


class InspectionForm(PageForm):
    """记录一家机构的检查。"""

    # Any code is passed on: the ledger says why one outside the plan is refused.
    agency = SelectField("被检查机构", validate_choice=False, validators=[DataRequired(REQUIRED)])
    inspected_on = DateField("检查日期", validators=[InputRequired("请填写日期（YYYY-MM-DD）")])
    inspectors = StringField("检查人员（该机构抽出的检查组，用逗号分隔）",
                             validators=[DataRequired(REQUIRED)])
    summary = TextAreaField("检查情况", validators=[
        DataRequired(REQUIRED), Length(max=TEXT_LIMIT, message=f"最多 {TEXT_LIMIT} 个字符")])
    deduction_ids = TextAreaField("检查发现问题记录的扣分编号（可选，每行一个）")
    submit = SubmitField("记录检查")

    def command_args(self) -> dict:
        return {"agency": self.agency.data, "inspected_on": self.inspected_on.data,
                "inspectors": split_list(self.inspectors.data), "summary": self.summary.data,
                "deduction_ids": split_list(self.deduction_ids.data)}


def show_refusal(form: FlaskForm, error: InvalidInput) -> list[str]:
    """Put each refused field's message next to the field; what fits no field is returned."""
    unplaced = []
    for key, messages in error.errors.items():
        field = getattr(form, key.split(".")[0], None)
        if field is None or not hasattr(field, "errors"):
            unplaced += [f"{key}: {m}" for m in messages]
            continue
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors += [f"{key}: {m}" if "." in key else m for m in messages]
    return unplaced
