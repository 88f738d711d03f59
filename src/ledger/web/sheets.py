"""Tables for export, with Chinese headers, built from read-side answers (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger.domain.catalogue import rule_title
from ledger.imports.layout import (
    ATTENDANCE, DEDUCTIONS, SECONDMENTS, SHEET_NAMES, TRAINING_NAMES, header, headers,
)

GRADES = {"excellent": "优秀", "good": "良好", "qualified": "合格", "unqualified": "不合格",
          "not_graded": "不定级", None: ""}
STATUSES = {"standing": "有效", "pending": "复核中", "reduced": "已减轻", "overturned": "已撤销",
            "withdrawn": "已撤回"}


@dataclass
class Table:
    """One sheet: a title, a header row and data rows."""

    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)


def standings_table(standings: dict) -> Table:
    basis = "已公布" if standings["basis"] == "published" else "当前"
    return Table(f"{standings['month']} 排名（{basis}）",
                 ["名次", "统一社会信用代码", "机构名称", "得分", "扣分", "待复核扣分"],
                 [[r["rank"], r["agency"], r["name"], r["score"], r["deducted_points"],
                   r["pending_points"]] for r in standings["rows"]])


def evaluations_table(year: int, evaluations: list[dict], ranks: dict[str, int]) -> Table:
    return Table(f"{year} 年度评价", [
        "名次", "统一社会信用代码", "机构名称", "考核月数", "月考核平均分", "省级年评价", "线上自学加分",
        "集中讲学加分", "跟班锻炼加分", "加分", "年度得分", "等级", "参训人数", "扣分合计", "约谈",
        "重点检查", "适用的限制"],
        [[ranks.get(e["agency"]), e["agency"], e["name"], e["assessed_months"], e["monthly_mean"],
          e["provincial_score"], *(e["bonus_parts"].get(k) for k in ("online", "lecture", "secondment")),
          e["bonus"], e["score"], GRADES.get(e["grade"], e["grade"]), e["trained_staff"],
          e["deducted_points"], "是" if e["interview"] else "否",
          "是" if e["key_inspection"] else "否", "；".join(e["caps_applied"])]
         for e in evaluations])


def deductions_table(title: str, deductions: list[dict], names: dict[str, str]) -> Table:
    """Deductions with every column the importer reads first, then the figures it ignores."""
    rows = []
    for d in deductions:
        rect = d["rectification"] or {}
        rows.append([d["agency"], d["rule_code"], d["found_on"], d["notified_on"], d["reason"],
                     d["project_ref"], rect.get("completed_on"), rect.get("note"),
                     d["withdrawal_reason"], rule_title(d["rule_code"]),
                     names.get(d["agency"], ""), d["month"],
                     d["rule_version"], d["base_points"], d["effective_points"],
                     STATUSES.get(d["status"], d["status"]), d["rectification_due"], d["id"]])
    return Table(title, headers(DEDUCTIONS) + [
        "扣分项名称", "机构名称", "月份", "规则版本", "基础分", "实扣分", "状态", "整改截止日期", "扣分编号"], rows)


def trail_table(code: str, entries: list[dict]) -> Table:
    return Table(f"{code} 审计轨迹", ["月份", "位置", "记录时间(UTC)", "记录人", "事件", "扣分编号",
                                    "说明", "变更前得分", "变更后得分"],
                 [[e["month"], e["position"], e["recorded_at"], e["recorded_by"],
                   event_zh(e["event"]), e["deduction_id"], summary_zh(e["summary"]),
                   e["score_before"], e["score_after"]]
                  for e in entries])


def event_zh(event: str) -> str:
    """An event's Chinese name (the pages' own), e.g. 记录扣分 for DeductionRecorded."""
    from ledger.web.i18n import MESSAGES
    return MESSAGES.get(f"ev_{event}", (event,))[0]


def summary_zh(summary: str) -> str:
    from ledger.web.summaries import summary_zh as chinese
    return chinese(summary)


def agencies_table(agencies: list[dict]) -> Table:
    return Table(SHEET_NAMES["agencies"], [header(f) for f in ("agency", "name", "registered_on")],
                 [[a["credit_code"], a["name"], a["registered_on"]] for a in agencies])


def attendance_table(rows: list[dict]) -> Table:
    return Table(SHEET_NAMES[ATTENDANCE], headers(ATTENDANCE),
                 [[r["session_id"], TRAINING_NAMES[r["kind"]], r["held_on"], r["topic"],
                   r["hours"], r["agency"], r["staff_ref"], r["staff_name"]] for r in rows])


def secondments_table(rows: list[dict]) -> Table:
    return Table(SHEET_NAMES[SECONDMENTS], headers(SECONDMENTS),
                 [[r["agency"], r["staff_ref"], r["staff_name"], r["department"],
                   r["started_on"], r["ended_on"]] for r in rows])
