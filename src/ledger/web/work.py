"""The regulator's forms: agencies, deductions, training, secondments, ratings, provincial
scores, publishing a month. Each calls the same `Ledger` command as the API."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from flask import render_template, request, url_for

from ledger.domain.errors import InvalidInput, LedgerError, NotFound
from ledger.web import web
from ledger.web.auth import regulator
from ledger.web.forms.agencies import (
    CompleteSecondmentForm, DeregisterAgencyForm, ProvincialForm, RatingForm, RegisterAgencyForm,
    SecondmentForm,
)
from ledger.web.forms.base import LedgerForm, options, perform, trail_link
from ledger.web.forms.deductions import DeductionForm, RectificationForm, WithdrawForm
from ledger.web.forms.publications import PublishMonthForm
from ledger.web.forms.training import AttendanceForm, TrainingSessionForm
from ledger.web.i18n import translate
from ledger.web.lookups import training_sessions
from ledger.web.pages import register_page
from ledger.web.services import ledger, month_arg, read_side, today
from ledger.web.titles import with_title

for endpoint, key in (("web.register_agency", "form_register"),
                      ("web.deregister_agency", "form_deregister"),
                      ("web.record_deduction", "form_deduction"),
                      ("web.training_session", "form_session"),
                      ("web.attendance", "form_attendance"),
                      ("web.secondment", "form_secondment"),
                      ("web.complete_secondment", "form_complete_secondment"),
                      ("web.rating", "form_rating"), ("web.provincial", "form_provincial"),
                      ("web.publish_month", "form_publish")):
    register_page(endpoint, key, roles=("regulator",))


def show(form: LedgerForm, status: int | None = None, **extra):
    """The form's page: 422 when it was sent and refused."""
    if status is None:
        status = 422 if request.method == "POST" else 200
    return render_template("forms/form.html", form=form, **extra), status


def agency_choices() -> list[tuple[str, str]]:
    rows = sorted(read_side().agencies(), key=lambda a: a["name"])
    return [("", "—")] + [(a["credit_code"], f"{a['name']}（{a['credit_code']}）") for a in rows]


def with_agencies(form: LedgerForm) -> LedgerForm:
    form.code.choices = options(agency_choices())
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"]
    return form


def agency_links(code: str, day: date, position: int) -> list[list[str]]:
    return [["trail_entry", trail_link(code, day, position)],
            ["agency", url_for("web.agency", code=code, year=day.year)]]


@web.route("/work/agencies/new", methods=["GET", "POST"])
def register_agency():
    by = regulator()
    form = RegisterAgencyForm()
    if form.validate_on_submit():
        code = form.credit_code.data.strip().upper()
        done = perform(form, by, lambda: ledger().register_agency(
            by, code, form.name.data, form.registered_on.data),
            lambda r: {"what": ["done_register", {"name": form.name.data.strip(), "code": code}],
                       "links": agency_links(code, form.registered_on.data, r.position)})
        if done:
            return done
    return show(form)


@web.route("/work/agencies/deregister", methods=["GET", "POST"])
def deregister_agency():
    by = regulator()
    form = with_agencies(DeregisterAgencyForm())
    if form.validate_on_submit():
        code = form.code.data
        done = perform(form, by, lambda: ledger().deregister_agency(
            by, code, form.deregistered_on.data, form.reason.data or None),
            lambda r: {"what": ["done_deregister", {"code": code}],
                       "links": agency_links(code, form.deregistered_on.data, r.position)})
        if done:
            return done
    return show(form)


def catalogue_rows(day: date) -> tuple[str | None, list[dict]]:
    """The rule set version in force on `day` and its items with titles and points."""
    version = ledger().catalogue().version_on(day)
    if version is None:
        return None, []
    return version.version, [
        {"code": code, "title": with_title(code), "points": item.points,
         "serious": item.serious, "rectifiable": item.rectifiable}
        for code, item in sorted(version.items.items())]


def deduction_args(form: DeductionForm) -> dict:
    evidence = {k: v for k, v in (("document", (form.evidence_document.data or "").strip()),
                                  ("sha256", (form.evidence_sha256.data or "").strip().lower()))
                if v}
    return dict(code=form.code.data, rule_code=form.rule_code.data, found_on=form.found_on.data,
                reason=form.reason.data, notified_on=form.notified_on.data,
                project_ref=(form.project_ref.data or "").strip() or None,
                evidence=evidence or None)


def evidence_problem(form: DeductionForm) -> bool:
    digest = (form.evidence_sha256.data or "").strip().lower()
    if digest and (len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest)):
        form.evidence_sha256.errors = list(form.evidence_sha256.errors) + [
            translate("f_bad_sha256")]
        return True
    return False


def preview_deduction(by, form: DeductionForm) -> dict | None:
    """What recording would fix, from the command itself run in a batch that saves nothing."""
    led = ledger()
    try:
        with led.batch() as batch:
            recorded = led.record_deduction(by, **deduction_args(form))
            d = batch.aggregates[UUID(recorded.id)]
            batch.cancel()
    except LedgerError as error:
        form.refuse(error)
        return None
    return {"rule": with_title(d.rule_code), "version": d.rule_version, "points": d.base_points,
            "serious": d.serious, "notified_on": d.notified_on,
            "rectification_due": d.rectification_due, "dispute_deadline": d.dispute_deadline,
            "calendar": d.calendar}


@web.route("/work/deductions/new", methods=["GET", "POST"])
def record_deduction():
    by = regulator()
    form = with_agencies(DeductionForm())
    day = form.found_on.data if isinstance(form.found_on.data, date) else today()
    if request.method == "GET" and request.args.get("found_on"):
        try:
            day = date.fromisoformat(request.args["found_on"])
            form.found_on.data = day
        except ValueError:
            pass
    version, items = catalogue_rows(day)
    form.rule_code.choices = options([("", "—")] + [
        (i["code"], f"{i['title']}（{translate('f_points_n', n=i['points'])}）") for i in items])
    preview = None
    if form.validate_on_submit() and not evidence_problem(form):
        if form.preview.data:
            preview = preview_deduction(by, form)
            return show(form, 200 if preview else 422, preview=preview, catalogue=items,
                        version=version)
        args = deduction_args(form)
        done = perform(form, by, lambda: ledger().record_deduction(by, **args),
                       lambda r: {"what": ["done_deduction", {"code": args["code"],
                                                              "rule": with_title(args["rule_code"])}],
                                  "links": agency_links(args["code"], args["found_on"], r.position)
                                  + [["deduction", url_for("web.deduction", deduction_id=r.id)]]})
        if done:
            return done
    return show(form, catalogue=items, version=version, preview=preview)


@web.route("/work/deductions/<deduction_id>/withdraw", methods=["GET", "POST"])
def withdraw(deduction_id: str):
    by = regulator()
    d = read_side().deduction(deduction_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        done = perform(form, by, lambda: ledger().withdraw_deduction(by, deduction_id,
                                                                     form.reason.data),
                       lambda r: {"what": ["done_withdraw", {"rule": with_title(d["rule_code"])}],
                                  "links": agency_links(d["agency"], d["found_on"], r.position)
                                  + [["deduction", url_for("web.deduction", deduction_id=deduction_id)]]})
        if done:
            return done
    return show(form, deduction=d)


@web.route("/work/deductions/<deduction_id>/rectification", methods=["GET", "POST"])
def rectification(deduction_id: str):
    by = regulator()
    d = read_side().deduction(deduction_id)
    form = RectificationForm()
    if form.validate_on_submit():
        done = perform(form, by, lambda: ledger().record_rectification(
            by, deduction_id, form.completed_on.data, form.note.data or None),
            lambda r: {"what": ["done_rectification", {"rule": with_title(d["rule_code"])}],
                       "links": agency_links(d["agency"], d["found_on"], r.position)
                       + [["deduction", url_for("web.deduction", deduction_id=deduction_id)]]})
        if done:
            return done
    return show(form, deduction=d)


@web.route("/work/training/new", methods=["GET", "POST"])
def training_session():
    by = regulator()
    form = TrainingSessionForm()
    if form.validate_on_submit():
        done = perform(form, by, lambda: ledger().hold_training_session(
            by, form.kind.data, form.held_on.data, form.topic.data, form.hours.data),
            lambda r: {"what": ["done_session", {"topic": form.topic.data.strip(),
                                                 "held_on": form.held_on.data.isoformat()}],
                       "links": [["form_attendance", url_for("web.attendance", session_id=r.id)]]})
        if done:
            return done
    return show(form)


@web.route("/work/training/attendance", methods=["GET", "POST"])
def attendance():
    by = regulator()
    form = with_agencies(AttendanceForm())
    known = recorded_sessions()
    form.session_id.choices = options([("", "—")] + known)
    if request.method == "GET" and request.args.get("session_id"):
        form.session_id.data = request.args["session_id"]
    if form.validate_on_submit():
        lines = form.lines()
        if not lines:
            form.people.errors = list(form.people.errors) + [translate("f_required")]
            return show(form)
        done = perform(form, by, lambda: record_people(by, form, lines),
                       lambda r: {"what": ["done_attendance", {"n": len(lines),
                                                               "code": form.code.data}],
                                  "links": [["agency", url_for("web.agency", code=form.code.data)]]})
        if done:
            return done
    return show(form)


def record_people(by, form: AttendanceForm, lines):
    """Every line in one transaction: one refused line records none of them."""
    led = ledger()
    with led.batch() as batch:
        for number, ref, name in lines:
            try:
                led.record_attendance(by, form.session_id.data, form.code.data, ref, name)
            except InvalidInput as error:
                batch.cancel()
                raise InvalidInput({"people": [f"{number}: {m}" for ms in error.errors.values()
                                               for m in ms]}) from None
            except LedgerError:
                batch.cancel()
                raise
    return batch.recorded[-1]


def recorded_sessions() -> list[tuple[str, str]]:
    """Training sessions recorded (newest first), from the log's index of them."""
    return [(s["id"], f"{s['held_on']} {translate(s['kind'])} {s['topic']}")
            for s in training_sessions()]


@web.route("/work/secondments/new", methods=["GET", "POST"])
def secondment():
    by = regulator()
    form = with_agencies(SecondmentForm())
    if form.validate_on_submit():
        done = perform(form, by, lambda: ledger().start_secondment(
            by, form.code.data, form.staff_ref.data.strip(), form.staff_name.data,
            form.department.data, form.started_on.data),
            lambda r: {"what": ["done_secondment", {"id": r.id}],
                       "links": [["agency", url_for("web.agency", code=form.code.data)]]})
        if done:
            return done
    return show(form)


@web.route("/work/secondments/complete", methods=["GET", "POST"])
def complete_secondment():
    by = regulator()
    form = CompleteSecondmentForm()
    form.secondment_id.choices = options([("", "—")] + open_secondments())
    if request.method == "GET" and request.args.get("secondment_id"):
        form.secondment_id.data = request.args["secondment_id"]
    if form.validate_on_submit():
        sid = form.secondment_id.data
        done = perform(form, by, lambda: ledger().complete_secondment(by, sid, form.ended_on.data),
                       lambda r: {"what": ["done_complete_secondment", {"id": sid}],
                                  "links": [["agency", url_for("web.agency",
                                                               code=sid.rpartition("-S")[0])]]})
        if done:
            return done
    return show(form)


def open_secondments() -> list[tuple[str, str]]:
    side = read_side()
    found = []
    names = {a["credit_code"]: a["name"] for a in side.agencies()}
    for code, name in names.items():
        for s in side.staff_records(code).get("secondments", []):
            if not s.get("ended_on"):
                found.append((s["id"], f"{name} · {s['staff_name']}（{s['started_on']}）"))
    return found


@web.route("/work/ratings/new", methods=["GET", "POST"])
def rating():
    by = regulator()
    form = with_agencies(RatingForm())
    if form.validate_on_submit():
        done = perform(form, by, lambda: ledger().record_purchaser_rating(
            by, form.code.data, form.rated_on.data, form.purchaser.data,
            form.project_ref.data, form.rating.data),
            lambda r: {"what": ["done_rating", {"code": form.code.data,
                                                "rating": str(form.rating.data)}],
                       "links": [["agency", url_for("web.agency", code=form.code.data,
                                                    year=form.rated_on.data.year)]]})
        if done:
            return done
    return show(form)


@web.route("/work/provincial/new", methods=["GET", "POST"])
def provincial():
    by = regulator()
    form = with_agencies(ProvincialForm())
    if form.validate_on_submit():
        done = perform(form, by, lambda: ledger().record_provincial_evaluation(
            by, form.code.data, form.year.data, form.score.data),
            lambda r: {"what": ["done_provincial", {"code": form.code.data, "year": form.year.data,
                                                    "score": str(form.score.data)}],
                       "links": [["agency", url_for("web.agency", code=form.code.data,
                                                    year=form.year.data)]]})
        if done:
            return done
    return show(form)


@web.route("/work/months/publish", methods=["GET", "POST"])
def publish_month():
    by = regulator()
    form = PublishMonthForm()
    if request.method == "GET":
        form.month.data = request.args.get("month") or previous_month()
        form.published_on.data = today()
    frozen = None
    try:
        month = month_arg(form.month.data)
        frozen = read_side().standings(month, "current") if month else None
    except (InvalidInput, NotFound):
        frozen = None
    if form.validate_on_submit():
        try:
            month = month_arg(form.month.data)
        except InvalidInput as error:
            form.refuse(error)
            return show(form, frozen=frozen)
        done = perform(form, by, lambda: publish(by, month, form.published_on.data),
                       lambda r: {"what": ["done_publish", {"month": month,
                                                            "revision": r.data.get("revision")}],
                                  "links": [["standings", url_for("web.standings", month=month,
                                                                  basis="published")]]})
        if done:
            return done
    return show(form, frozen=frozen)


def publish(by, month: str, published_on: date):
    """Publish as the API does: record, read back, sign when a key is configured."""
    from ledger.api.context import sign_publication
    recorded = ledger().publish_month(by, month, published_on)
    read_side().wait_for(recorded.position)
    sign_publication(month, recorded.data.get("revision", 1), recorded.position)
    return recorded


def previous_month() -> str:
    d = today()
    return f"{d.year - (d.month == 1):04d}-{(d.month - 2) % 12 + 1:02d}"
