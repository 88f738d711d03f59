"""A year's results pages: the public notice (公示) and final results, an agency's objection
form, the reviewers' objection queue and decision form, the regulators' open/finalize actions,
the annual standings on the current, noticed or final basis, and their downloads."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from ledger.domain.errors import InvalidInput, LedgerError, NotFound
from ledger.domain.principals import AGENCY, REGULATOR, REVIEWER
from ledger.domain.results import year_of_objection
from ledger.projections.queries.read_results import frozen_rows, objection_resource
from ledger.web import web
from ledger.web.auth import bureau, regulator, signed_in, viewer
from ledger.web.exports import download
from ledger.web.i18n import MESSAGES
from ledger.web.pages import register_page
from ledger.web.results_forms import (
    DecisionForm, FinalizeForm, ObjectionForm, OpenNoticeForm, date_messages,
)
from ledger.web.services import ledger, read_side, today, year_arg
from ledger.web.sheets import GRADES, Table

MESSAGES.update({
    "results": ("年度结果", "Annual results"),
    "notice": ("年度考核结果公示", "Notice of the annual results"),
    "notice_period": ("公示期：{start} 至 {end}", "Notice period: {start} to {end}"),
    "notice_until": ("公示期至 {end}", "Objections until {end}"),
    "notice_closed": ("公示期已于 {end} 结束。", "The notice period ended on {end}."),
    "no_notice": ("{year} 年度考核结果尚未公示。", "The results of {year} have not been noticed yet."),
    "provisional": ("暂定", "provisional"),
    "provisional_note": ("{year} 年度结果尚未定稿，所有数字均为暂定。",
                         "The results of {year} are not final yet: every figure is provisional."),
    "final_results": ("年度考核最终结果", "Final annual results"),
    "finalized_on_note": ("已于 {day} 定稿，此后不再变动。", "Finalized on {day}; frozen for ever."),
    "not_final": ("{year} 年度结果尚未定稿。", "The results of {year} are not final yet."),
    "objection": ("异议", "Objection"), "objections": ("异议", "Objections"),
    "objection_queue": ("异议复核", "Objections to review"),
    "file_objection": ("提出异议", "File an objection"),
    "objection_dated": ("异议日期由系统记为今天（{day}）。", "The ledger dates it today ({day})."),
    "your_objection": ("本机构的异议", "Your objection"),
    "status_dismissed": ("驳回", "dismissed"), "status_corrected": ("已更正", "corrected"),
    "decide": ("作出复核决定", "Decide"), "decided": ("复核决定", "Decision"),
    "decided_by": ("复核人", "Reviewer"), "reasoning": ("复核理由", "Reasoning"),
    "open_notice": ("发布公示", "Open the notice"), "finalize": ("定稿", "Finalize"),
    "missing": ("尚不能定稿：", "Cannot finalize yet:"),
    "missing_period": ("公示期至 {end}，须在其后定稿。", "The notice period runs to {end}; finalize after it."),
    "missing_objection": ("异议 {id}（{agency}）尚未复核。", "Objection {id} ({agency}) is not decided."),
    "noticed": ("公示", "Noticed"), "final": ("最终", "Final"),
    "compare_with": ("对照口径", "Compared with"),
    "grounds_objection": ("异议理由", "Grounds"),
    "nothing_open": ("没有待复核的异议。", "No objection waits for a decision."),
    "year_trail": ("年度结果审计轨迹", "The year's results: audit trail"),
    "ev_NoticeOpened": ("发布公示", "Notice opened"), "ev_ObjectionFiled": ("提出异议", "Objection filed"),
    "ev_ObjectionResolved": ("异议复核决定", "Objection decided"),
    "ev_YearFinalized": ("结果定稿", "Results finalized"),
    "results_refused": ("未记录：", "Not recorded:"),
    "recorded": ("已记录。", "Recorded."),
})

BASES = ("current", "noticed", "final")


def _year(year: int) -> int:
    """A year from the address, or 422 naming it (never a date the calendar cannot hold)."""
    return year_arg(str(year), year)


def _state(year: int):
    return read_side().year_state(_year(year))


def _names() -> dict[str, str]:
    return {a["credit_code"]: a["name"] for a in read_side().agencies()}


def refused(form, error: LedgerError) -> str | None:
    """Put a domain refusal on the form: a field's message beside it, else one for the form."""
    if isinstance(error, InvalidInput):
        placed = False
        for name, messages in error.errors.items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = list(field.errors) + list(messages)
                placed = True
        if placed:
            return None
    return error.message


# -- the notice ------------------------------------------------------------------------------

def notice_view(year: int, forms: dict | None = None, problem: str | None = None,
                status: int = 200):
    who = viewer()
    state = _state(year)
    day = today()
    forms = forms or {}
    context = {"year": year, "state": state, "notice": state.notice, "final": state.final,
               "today": day, "problem": problem, "rows": [], "own": None}
    if state.notice is not None:
        context["rows"] = frozen_rows(state.noticed)
        context["window_open"] = state.notice["opened_on"] <= day <= state.notice["closes_on"]
        context["missing"] = missing_for_final(state, day)
    if who is not None and who.role == AGENCY and state.notice is not None:
        own = state.objections.get(who.agency)
        context["own"] = objection_resource(own, day) if own else None
        if (own is None and context["window_open"] and state.final is None
                and who.agency in state.noticed):
            context["objection_form"] = forms.get("objection") or ObjectionForm()
    if who is not None and who.role == REGULATOR:
        if state.notice is None:
            context["open_form"] = forms.get("open") or OpenNoticeForm(data={"opened_on": day})
        elif state.final is None:
            context["final_form"] = forms.get("final") or FinalizeForm(
                data={"finalized_on": day})
    return render_template("notice.html", **context), status


def missing_for_final(state, day) -> list[str]:
    """What stops the year being finalized today, in words."""
    from ledger.web.i18n import translate
    if state.final is not None or state.notice is None:
        return []
    found = []
    if day <= state.notice["closes_on"]:
        found.append(translate("missing_period", end=state.notice["closes_on"]))
    names = _names()
    for o in state.objections.values():
        if o["status"] == "open":
            found.append(translate("missing_objection", id=o["id"],
                                   agency=names.get(o["agency"], o["agency"])))
    return found


@web.get("/years/<yyyy:year>/notice")
def notice_page(year: int):
    return notice_view(_year(year))


@web.get("/notice")
def last_years_notice():
    """The notice of last year: the one a regulator opens, and everyone reads, this year."""
    return redirect(url_for("web.notice_page", year=today().year - 1))


register_page("web.last_years_notice", "notice", roles=("regulator", "reviewer", "auditor",
                                                         "agency"))


@web.post("/years/<yyyy:year>/notice")
def open_notice_submit(year: int):
    year = _year(year)
    by = regulator()
    form = OpenNoticeForm()
    if not form.validate_on_submit():
        date_messages(form)
        return notice_view(year, {"open": form}, status=422)
    try:
        recorded = ledger().open_notice(by, year, form.opened_on.data, read_side())
    except LedgerError as error:
        return notice_view(year, {"open": form}, refused(form, error), _status(error))
    read_side().wait_for(recorded.position)
    return redirect(url_for("web.notice_page", year=year))


@web.post("/years/<yyyy:year>/objection")
def objection_submit(year: int):
    year = _year(year)
    by = signed_in()
    if by.role != AGENCY:
        abort(403)
    form = ObjectionForm()
    if not form.validate_on_submit():
        return notice_view(year, {"objection": form}, status=422)
    try:
        recorded = ledger().file_objection(by, year, form.grounds.data)
    except LedgerError as error:
        return notice_view(year, {"objection": form}, refused(form, error), _status(error))
    read_side().wait_for(recorded.position)
    return redirect(url_for("web.notice_page", year=year))


@web.post("/years/<yyyy:year>/final")
def finalize_submit(year: int):
    year = _year(year)
    by = regulator()
    form = FinalizeForm()
    if not form.validate_on_submit():
        date_messages(form)
        return notice_view(year, {"final": form}, status=422)
    try:
        recorded = ledger().finalize_year(by, year, form.finalized_on.data)
    except LedgerError as error:
        return notice_view(year, {"final": form}, refused(form, error), _status(error))
    read_side().wait_for(recorded.position)
    from ledger.api.context import sign_results
    sign_results(year, recorded.position)
    return redirect(url_for("web.final_page", year=year))


def _status(error: LedgerError) -> int:
    from ledger.api.errors import DOMAIN_STATUS
    return DOMAIN_STATUS.get(type(error), 422)


# -- the reviewers' queue --------------------------------------------------------------------

def queue_view(year: int, forms: dict | None = None, problems: dict | None = None,
               status: int = 200):
    who = bureau()
    state = _state(year)
    day = today()
    names = _names()
    objections = [dict(objection_resource(o, day), name=names.get(o["agency"], o["agency"]))
                  for o in sorted(state.objections.values(), key=lambda o: o["filed_position"])]
    forms = forms or {}
    for o in objections:
        if o["status"] == "open" and who.role == REVIEWER:
            o["form"] = forms.get(o["id"]) or DecisionForm(
                prefix=f"o{o['agency']}", data={"decided_on": day})
        o["problem"] = (problems or {}).get(o["id"])
    trail = [{"position": pos, "recorded_at": ev.timestamp, "recorded_by": ev.recorded_by,
              "event": type(ev).__name__, "agency": getattr(ev, "agency", None),
              "name": names.get(getattr(ev, "agency", None) or "", "")}
             for pos, ev in state.events]
    return render_template("objections.html", year=year, state=state,
                           objections=objections, trail=trail), status


register_page("web.latest_objection_queue", "objection_queue",
              roles=("regulator", "reviewer", "auditor"))


@web.get("/objections")
def latest_objection_queue():
    """The objection queue of the latest year whose notice is open (else last year's)."""
    bureau()
    last = today().year - 1
    year = next((y for y in range(last + 1, last - 5, -1)
                 if read_side().year_state(y).notice is not None), last)
    return redirect(url_for("web.objection_queue", year=year))


@web.get("/years/<yyyy:year>/objections")
def objection_queue(year: int):
    return queue_view(year)


@web.post("/objections/<objection_id>/decision")
def decision_submit(objection_id: str):
    by = signed_in()
    year = year_of_objection(objection_id)
    if year is None:
        raise NotFound(f"No objection {objection_id}.")
    if by.role != REVIEWER:
        abort(403)
    agency = objection_id.partition("-")[2]
    form = DecisionForm(prefix=f"o{agency}")
    if not form.validate_on_submit():
        date_messages(form)
        return queue_view(year, {objection_id: form}, status=422)
    try:
        recorded = ledger().resolve_objection(by, objection_id, form.outcome.data,
                                              form.reasoning.data, form.decided_on.data,
                                              read_side())
    except LedgerError as error:
        return queue_view(year, {objection_id: form},
                          {objection_id: refused(form, error)}, _status(error))
    read_side().wait_for(recorded.position)
    return redirect(url_for("web.objection_queue", year=year))


# -- final results and annual standings ------------------------------------------------------

@web.get("/years/<yyyy:year>/final")
def final_page(year: int):
    state = _state(year)
    rows = frozen_rows(state.final_evaluations) if state.final else []
    return render_template("final.html", year=year, state=state, final=state.final, rows=rows)


@web.get("/standings/annual")
def annual_page():
    year = year_arg(request.args.get("year"), today().year - 1)
    basis = request.args.get("basis", "current")
    if basis not in BASES:
        raise InvalidInput.field("basis", "must be current, noticed or final")
    state = _state(year)
    other = request.args.get("compare") or ("current" if basis != "current" else
                                            "final" if state.final else "noticed")
    if other not in BASES:
        raise InvalidInput.field("compare", "must be current, noticed or final")
    primary = _basis_rows(year, basis)
    second = _basis_rows(year, other) if other != basis else None
    from ledger.web.standings import compared
    rows = compared(primary or [], second) if primary is not None else None
    return render_template("annual.html", year=year, basis=basis, other=other, rows=rows,
                           state=state, provisional=state.final is None,
                           other_available=second is not None)


def _basis_rows(year: int, basis: str) -> list[dict] | None:
    try:
        return read_side().annual_standings(year, basis=basis)["rows"]
    except NotFound:
        return None


# -- downloads -------------------------------------------------------------------------------

def results_table(year: int, title: str, frozen: dict[str, dict], provisional: bool) -> Table:
    ranks = {r["agency"]: r["rank"] for r in frozen_rows(frozen)}
    ordered = sorted(frozen.values(), key=lambda e: (ranks.get(e["agency"], 10**6), e["agency"]))
    mark = "暂定" if provisional else "最终"
    return Table(title, [
        "名次", "统一社会信用代码", "机构名称", "考核月数", "月考核平均分", "省级年评价", "加分",
        "年度得分", "等级", "参训人数", "扣分合计", "约谈", "重点检查", "结果性质"],
        [[ranks.get(e["agency"]), e["agency"], e.get("name"), e["assessed_months"],
          e["monthly_mean"], e["provincial_score"], e["bonus"], e["score"],
          GRADES.get(e["grade"], e["grade"]), e["trained_staff"], e["deducted_points"],
          "是" if e["interview"] else "否", "是" if e["key_inspection"] else "否", mark]
         for e in ordered])


@web.get("/exports/notice-<yyyy:year>.<fmt>")
def export_notice(year: int, fmt: str):
    year = _year(year)
    state, frozen = read_side().noticed_evaluations(year, "noticed")
    return download(f"notice-{year}", fmt, results_table(
        year, f"{year} 年度考核结果公示", frozen, state.final is None))


@web.get("/exports/final-<yyyy:year>.<fmt>")
def export_final(year: int, fmt: str):
    year = _year(year)
    _, frozen = read_side().noticed_evaluations(year, "final")
    return download(f"final-{year}", fmt, results_table(
        year, f"{year} 年度考核最终结果", frozen, False))
