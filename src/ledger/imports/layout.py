"""The columns of each kind of exchange sheet, in Chinese, with English names accepted too."""

from __future__ import annotations

AGENCIES, DEDUCTIONS, ATTENDANCE, SECONDMENTS = "agencies", "deductions", "attendance", "secondments"
ORDER = (AGENCIES, DEDUCTIONS, ATTENDANCE, SECONDMENTS)  # agencies first: the rest refer to them
SHEET_NAMES = {AGENCIES: "机构", DEDUCTIONS: "扣分", ATTENDANCE: "培训出勤", SECONDMENTS: "跟班锻炼"}

# field -> (Chinese header, English header)
COLUMNS: dict[str, tuple[str, str]] = {
    "agency": ("统一社会信用代码", "credit_code"), "name": ("机构名称", "name"),
    "registered_on": ("登记日期", "registered_on"), "rule_code": ("扣分项", "rule_code"),
    "found_on": ("发现日期", "found_on"), "notified_on": ("通知日期", "notified_on"),
    "reason": ("事由", "reason"), "project_ref": ("项目编号", "project_ref"),
    "rectified_on": ("整改完成日期", "rectified_on"), "rectification_note": ("整改说明", "note"),
    "withdrawal_reason": ("撤回原因", "withdrawal_reason"),
    "session_id": ("培训编号", "session_id"), "kind": ("培训类型", "kind"),
    "held_on": ("培训日期", "held_on"), "topic": ("培训主题", "topic"), "hours": ("学时", "hours"),
    "staff_ref": ("人员编号", "staff_ref"), "staff_name": ("姓名", "staff_name"),
    "department": ("部门", "department"), "started_on": ("开始日期", "started_on"),
    "ended_on": ("结束日期", "ended_on"),
    # Read, not written by headers(): the exchange export puts the id after the figures.
    "deduction_id": ("扣分编号", "deduction_id"),
}
FIELDS = {
    AGENCIES: ("agency", "name", "registered_on"),
    DEDUCTIONS: ("agency", "rule_code", "found_on", "notified_on", "reason", "project_ref",
                 "rectified_on", "rectification_note", "withdrawal_reason"),
    ATTENDANCE: ("session_id", "kind", "held_on", "topic", "hours", "agency", "staff_ref",
                 "staff_name"),
    SECONDMENTS: ("agency", "staff_ref", "staff_name", "department", "started_on", "ended_on"),
}
REQUIRED = {
    AGENCIES: ("agency", "name", "registered_on"),
    DEDUCTIONS: ("agency", "rule_code", "found_on", "reason"),
    ATTENDANCE: ("kind", "held_on", "topic", "hours", "agency", "staff_ref", "staff_name"),
    SECONDMENTS: ("agency", "staff_ref", "staff_name", "department", "started_on"),
}
KINDS_OF_TRAINING = {"集中讲学": "lecture", "上门督学": "onsite", "线上自学": "online",
                     "lecture": "lecture", "onsite": "onsite", "online": "online"}
TRAINING_NAMES = {"lecture": "集中讲学", "onsite": "上门督学", "online": "线上自学"}

BY_HEADER = {header.strip().lower(): name for name, pair in COLUMNS.items() for header in pair}


def header(field: str) -> str:
    return COLUMNS[field][0]


def headers(kind: str) -> list[str]:
    return [header(f) for f in FIELDS[kind]]


def kind_of(fields: set[str]) -> str | None:
    """Which sheet this is, from the fields its headers name (the most specific wins)."""
    if "rule_code" in fields:
        return DEDUCTIONS
    if "held_on" in fields or "session_id" in fields:
        return ATTENDANCE
    if "department" in fields or "started_on" in fields:
        return SECONDMENTS
    if "registered_on" in fields:
        return AGENCIES
    return None
