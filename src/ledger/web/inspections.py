"""Pages of the inspection plan: the public plan, the draw with its preview, inspections, queue."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from ledger.domain.errors import InvalidInput, NotFound, NotPermitted, RuleViolation
from ledger.domain.inspection import MANDATORY_REASONS
from ledger.web import web
from ledger.web.auth import bureau, regulator
from ledger.web.exports import download
from ledger.web.i18n import MESSAGES
from ledger.web.inspection_forms import DrawForm, InspectionForm, show_refusal
from ledger.web.pages import register_page
from ledger.web.services import ledger, read_side, today
from ledger.web.sheets import Table

MESSAGES.update({
    "inspection_plan": ("年度监督检查计划", "Inspection plan"),
    "inspection_queue": ("监督检查待办", "Inspections to do"),
    "inspection_draw": ("抽取检查计划", "Draw the inspection plan"),
    "inspection_record": ("记录检查", "Record an inspection"),
    "reason_key_inspection": ("重点检查：上年评价要求重点检查",
                              "Mandatory: last year's evaluation asks for it"),
    "reason_complaints": ("重点检查：上年投诉处理问题 3 次以上",
                          "Mandatory: 3 or more D12 last year"),
    "reason_serious_repeat": ("重点检查：近三年严重问题 2 次以上",
                              "Mandatory: 2 or more serious deductions in three years"),
    "reason_new_agency": ("重点检查：新设立机构", "Mandatory: new agency"),
    "reason_random": ("随机抽取", "Drawn at random"),
    "insp_planned": ("待检查", "planned"), "insp_inspected": ("已检查", "inspected"),
    "insp_overdue": ("逾期未检查", "overdue"),
    "no_plan": ("该年度尚未抽取检查计划。", "No inspection plan has been drawn for this year."),
    "team": ("检查组", "Team"), "reasons": ("抽取理由", "Why"),
    "inspected_on": ("检查日期", "Inspected on"), "summary": ("检查情况", "Summary"),
    "candidates": ("候选机构数", "Candidates"), "seed": ("种子", "Seed"),
    "head": ("日志头位置与哈希", "Log head (position, hash)"),
    "how_to_check": ("怎样自己核对：见说明文档 docs/INSPECTION.md，或运行 ledger inspection verify",
                     "How to check it yourself: docs/INSPECTION.md, or ledger inspection verify"),
    "preview_note": ("以下是按当前日志预览的结果，尚未记录。确认时按确认那一刻的日志重新计算并记录。",
                     "A preview from the log as it stands; nothing is recorded yet."),
    "mandatory": ("重点检查名单", "Mandatory"), "random_ranking": ("随机抽取排序", "Random ranking"),
    "drawn_mark": ("抽中", "drawn"), "hash": ("哈希", "Hash"),
    "ratio": ("随机抽取比例", "Ratio"), "drawn_on": ("抽取日期", "Drawn on"),
    "seed_text": ("公开种子文字", "Seed text"),
    "ev_InspectionPlanDrawn": ("抽取监督检查计划", "Inspection plan drawn"),
    "ev_InspectionRecorded": ("记录监督检查", "Inspection recorded"),
})
REASONS_ZH = {"key_inspection": "上年评价要求重点检查", "complaints": "上年投诉处理问题3次以上",
              "serious_repeat": "近三年严重问题2次以上", "new_agency": "新设立机构",
              "random": "随机抽取"}
STATUS_ZH = {"planned": "待检查", "inspected": "已检查", "overdue": "逾期未检查"}


def names() -> dict[str, str]:
    return {a["credit_code"]: a["name"] for a in read_side().agencies()}


def reasons_text(reasons: list[str]) -> str:
    """重点检查（理由；理由） or 随机抽取."""
    mandatory = [REASONS_ZH[r] for r in reasons if r in MANDATORY_REASONS]
    return f"重点检查（{'；'.join(mandatory)}）" if mandatory else REASONS_ZH["random"]


@web.get("/inspection-plans")
def inspection_plans():
    return redirect(url_for("web.inspection_plan", year=today().year))


@web.get("/inspection-plans/<yyyy:year>")
def inspection_plan(year: int):
    try:
        plan = read_side().inspection_plan(year)
    except NotFound:
        return render_template("inspection_plan.html", year=year, plan=None, names={}), 404
    return render_template("inspection_plan.html", year=year, plan=plan, names=names())


@web.get("/exports/inspection-plan-<yyyy:year>.<fmt>")
def export_inspection_plan(year: int, fmt: str):
    plan, known = read_side().inspection_plan(year), names()
    rows = [[s["agency"], known.get(s["agency"], ""), reasons_text(s["reasons"]),
             "、".join(s["team"]), STATUS_ZH[s["status"]],
             (s["inspection"] or {}).get("inspected_on"), (s["inspection"] or {}).get("summary"),
             "、".join((s["inspection"] or {}).get("deduction_ids") or ())]
            for s in plan["selected"]]
    return download(f"inspection-plan-{year}", fmt, Table(
        f"{year} 年度监督检查计划", ["统一社会信用代码", "机构名称", "抽取理由", "检查组", "状态",
                                "检查日期", "检查情况", "关联扣分编号"], rows))


register_page("web.draw_inspection_plan", "inspection_draw", roles=("regulator",))
register_page("web.current_inspection_queue", "inspection_queue",
              roles=("regulator", "reviewer", "auditor"))


@web.route("/inspection-plans/draw", methods=["GET", "POST"])
def draw_inspection_plan():
    by = regulator()
    form = DrawForm()
    if request.method == "GET":
        form.year.data, form.drawn_on.data = today().year, today()
    preview, problems = None, []
    if form.validate_on_submit():
        try:
            if form.confirm.data:
                ledger().draw_inspection_plan(by, **form.command_args())
                return redirect(url_for("web.inspection_plan", year=form.year.data), 303)
            inputs, result = ledger().preview_inspection_plan(by, **form.command_args())
            preview = {"inputs": inputs, "result": result, "names": names()}
        except InvalidInput as error:
            problems = show_refusal(form, error)
        except (RuleViolation, NotPermitted) as error:
            problems = [error.message]
    status = 422 if request.method == "POST" and (form.errors or problems) else 200
    return render_template("inspection_draw.html", form=form, preview=preview,
                           problems=problems), status


@web.route("/inspection-plans/<yyyy:year>/inspections/new", methods=["GET", "POST"])
def record_inspection(year: int):
    by = regulator()
    plan = read_side().inspection_plan(year)
    waiting = [s for s in plan["selected"] if s["status"] != "inspected"]
    known = names()
    form = InspectionForm()
    form.agency.choices = [(s["agency"], f"{s['agency']} {known.get(s['agency'], '')}")
                           for s in waiting]
    if request.method == "GET":
        chosen = request.args.get("agency") or (waiting[0]["agency"] if waiting else None)
        form.agency.data = chosen
        form.inspectors.data = "、".join(next((s["team"] for s in waiting
                                              if s["agency"] == chosen), []))
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            ledger().record_inspection(by, year, **form.command_args())
            return redirect(url_for("web.inspection_plan", year=year), 303)
        except InvalidInput as error:
            problems = show_refusal(form, error)
        except (RuleViolation, NotPermitted) as error:
            problems = [error.message]
    status = 422 if request.method == "POST" and (form.errors or problems) else 200
    return render_template("inspection_record.html", form=form, plan=plan, year=year,
                           problems=problems), status


@web.get("/inspection-plans/queue")
def current_inspection_queue():
    """The queue of this year's plan (the bureau's queues page links here)."""
    return redirect(url_for("web.inspection_queue", year=today().year))


@web.get("/inspection-plans/<yyyy:year>/queue")
def inspection_queue(year: int):
    bureau()
    plan, known = read_side().inspection_plan(year), names()
    waiting = [s for s in plan["selected"] if s["status"] != "inspected"]
    waiting.sort(key=lambda s: (s["status"] != "overdue", s["agency"]))
    return render_template("inspection_queue.html", year=year, waiting=waiting, names=known)
