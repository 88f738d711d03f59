"""The calendar page: a year's working-day calendar (public) and a regulator's publication form."""

from __future__ import annotations

from datetime import date, timedelta

from flask import redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError

from ledger.domain.calendar import PUBLISHED, WEEKDAYS_ONLY
from ledger.domain.errors import InvalidInput, LedgerError
from ledger.domain.periods import year_problem
from ledger.domain.text import NAME_LIMIT
from ledger.web import web
from ledger.web.auth import regulator, viewer
from ledger.web.i18n import MESSAGES, language, translate
from ledger.web.pages import register_page
from ledger.web.services import ledger, today

MESSAGES.update({
    "calendar": ("工作日历", "Working-day calendar"),
    "calendar_of": ("{year}年工作日历", "Working-day calendar {year}"),
    "cal_shipped": ("随系统提供", "shipped with the ledger"),
    "cal_published": ("监管人员发布（记录位置 {position}，{at}）",
                      "published by a regulator (log position {position}, {at})"),
    "cal_none": ("{year}年没有内置或发布的日历：期限只按周一至周五计算（weekdays-only）。",
                 "{year} has no shipped or published calendar: deadlines count Monday to Friday "
                 "only (weekdays-only)."),
    "cal_source": ("依据", "Source"), "cal_origin": ("来源", "Origin"),
    "cal_holidays": ("放假日（周末以外不上班的日子）", "Days off (besides weekends)"),
    "cal_makeup": ("调休上班日（需上班的周末）", "Make-up working days (weekend days worked)"),
    "cal_none_listed": ("无", "none"),
    "cal_publish": ("发布日历", "Publish a calendar"),
    "cal_publish_help": ("发布后新计算的期限使用该日历；已确定的期限不变。同一年再次发布将取代之前的发布。",
                         "Deadlines computed after publication use it; deadlines already fixed "
                         "keep theirs. A later publication for the same year supersedes."),
    "cal_days_help": ("用逗号分隔日期，连续日期可写作范围：2026-10-01..2026-10-07",
                      "Dates separated by commas; a run of days as a range: "
                      "2026-10-01..2026-10-07"),
    "cal_published_ok": ("已发布，记录位置 {position}。", "Published at log position {position}."),
    "cal_required": ("必填。", "Required."),
    "cal_bad_days": ("无法识别的日期：{part}（格式 YYYY-MM-DD 或 YYYY-MM-DD..YYYY-MM-DD）",
                     "Not a date: {part} (YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD)"),
    "cal_bad_year": ("年份须在1900至2999之间。", "The year must be between 1900 and 2999."),
    "cal_too_long": ("不超过{n}个字符。", "At most {n} characters."),
    "cal_weekdays_only": ("仅按周一至周五计算（该年无日历）", "Monday–Friday only (no calendar for the year)"),
    "cal_label_shipped": ("{year}年内置日历", "shipped {year} calendar"),
    "cal_label_published": ("发布的日历（位置 {position}）", "published calendar (position {position})"),
    "cal_counted_with": ("按此日历计算", "counted with"),
})


def day_list(text: str) -> list[date]:
    """Comma-separated days, each `YYYY-MM-DD` or a range `YYYY-MM-DD..YYYY-MM-DD`."""
    days: list[date] = []
    for part in (p.strip() for p in text.replace("，", ",").replace("\n", ",").split(",")):
        if not part:
            continue
        first, _, last = part.partition("..")
        try:
            start = date.fromisoformat(first.strip())
            end = date.fromisoformat(last.strip()) if last else start
        except ValueError:
            raise ValidationError(translate("cal_bad_days", part=part)) from None
        if not 0 <= (end - start).days < 366:
            raise ValidationError(translate("cal_bad_days", part=part))
        days += [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return days


class DaysField(TextAreaField):
    """A list of days written as dates and ranges; `.days` holds them once validated."""

    days: list[date] = []

    def pre_validate(self, form) -> None:
        self.days = day_list(self.data or "")


class CalendarForm(FlaskForm):
    """A year's calendar as the State Council's notice gives it."""

    year = IntegerField(validators=[NumberRange(1900, 2999)])
    holidays = DaysField(validators=[DataRequired()])
    makeup_days = DaysField()
    source = StringField(validators=[DataRequired(), Length(max=NAME_LIMIT)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Chinese (or English) messages beside each field, in the page's language.
        self.year.validators[0].message = translate("cal_bad_year")
        self.holidays.validators[0].message = translate("cal_required")
        self.source.validators[0].message = translate("cal_required")
        self.source.validators[1].message = translate("cal_too_long", n=NAME_LIMIT)
        self.year.label.text = translate("year")
        self.holidays.label.text = translate("cal_holidays")
        self.makeup_days.label.text = translate("cal_makeup")
        self.source.label.text = translate("cal_source")


def spans(days) -> list[str]:
    """Consecutive days written as one range: 2026-10-01..2026-10-07."""
    out: list[list[date]] = []
    for day in sorted(days):
        if out and day - out[-1][1] == timedelta(days=1):
            out[-1][1] = day
        else:
            out.append([day, day])
    return [a.isoformat() if a == b else f"{a.isoformat()}..{b.isoformat()}" for a, b in out]


@web.app_template_global()
def calendar_note(label: str | None) -> Markup:
    """Which calendar a deadline was counted with, beside the deadline; weekdays-only stands out."""
    if not label:
        return Markup("")
    if label == WEEKDAYS_ONLY:
        return Markup('<strong class="badge calendar-weekdays-only">{}</strong>').format(
            translate("cal_weekdays_only"))
    words = []
    for part in label.split("+"):
        if part.startswith(PUBLISHED + "@"):
            words.append(translate("cal_label_published", position=part.split("@", 1)[1]))
        elif part.startswith("shipped:"):
            words.append(translate("cal_label_shipped", year=part.split(":", 1)[1]))
        else:  # events written before labels named the year: "shipped"
            words.append(translate("cal_shipped"))
    text = " + ".join(words)
    return Markup('<small class="calendar" title="{}">{}</small>').format(
        f"{translate('cal_counted_with')}: {label}", text)


# The home page lists the calendar among the regulator's work (publishing one).
register_page("web.calendars_now", "cal_publish", roles=("regulator",))


@web.get("/calendars")
def calendars_now():
    return redirect(url_for("web.calendar_page", year=today().year))


@web.route("/calendars/<year>", methods=["GET", "POST"])
def calendar_page(year: str):
    if year_problem(year):
        raise InvalidInput.field("year", year_problem(year))
    number = int(year)
    form, status = None, 200
    who = viewer()
    if request.method == "POST" or (who is not None and who.role == "regulator"):
        by = regulator()  # a POST from anyone else is refused (401/403)
        form = CalendarForm(year=number)
        if form.validate_on_submit():
            try:
                recorded = ledger().publish_calendar(
                    by, form.year.data, form.holidays.days, form.makeup_days.days,
                    form.source.data)
            except InvalidInput as refused:
                for field, messages in refused.errors.items():
                    _add(form, field, messages)
                status = 422
            except LedgerError as refused:
                form.form_errors.append(refused.message)
                status = 409
            else:
                return redirect(url_for("web.calendar_page", year=form.year.data,
                                        published=recorded.position))
        elif request.method == "POST":
            status = 422
    cal = ledger().calendar_in_use(number)
    return render_template("calendar.html", year=number, cal=cal, form=form,
                           spans=spans, published=request.args.get("published"),
                           language=language()), status


def _add(form: CalendarForm, field: str, messages: list[str]) -> None:
    """Put a domain refusal beside its field (a tuple of errors becomes a list first)."""
    target = getattr(form, field, None)
    if target is None:
        form.form_errors.extend(messages)
    else:
        target.errors = list(target.errors) + messages

