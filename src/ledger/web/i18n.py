"""The pages' words in Chinese (the default) and English, and how a request picks one."""

from __future__ import annotations

from flask import request

LANGUAGES = ("zh", "en")
COOKIE = "lang"

MESSAGES: dict[str, tuple[str, str]] = {  # key -> (中文, English)
    "title": ("政府采购代理机构考核台账", "Assessment Ledger"),
    "api_reference": ("接口文档（API）", "API reference"),
    "rows_shown": ("第 {first}–{last} 条，共 {total} 条", "{first}–{last} of {total}"),
    "previous_page": ("上一页", "Previous page"), "next_page": ("下一页", "Next page"),
    "standings": ("考核排名", "Standings"), "annual": ("年度排名", "Annual standings"),
    "queues": ("工作台", "Work queues"), "import": ("批量导入", "Bulk import"),
    "sign_in": ("登录", "Sign in"), "sign_out": ("退出", "Sign out"),
    "token": ("访问令牌", "Access token"), "signed_in_as": ("当前用户", "Signed in as"),
    "bad_token": ("令牌无效。", "The token is not known."),
    "month": ("月份", "Month"), "year": ("年度", "Year"), "show": ("查看", "Show"),
    "basis": ("口径", "Basis"), "current": ("当前", "Current"), "published": ("已公布", "Published"),
    "revision": ("公布版次", "Revision"), "published_on": ("公布日期", "Published on"),
    "rank": ("名次", "Rank"), "agency": ("代理机构", "Agency"), "code": ("统一社会信用代码", "Credit code"),
    "name": ("机构名称", "Name"), "score": ("得分", "Score"), "deducted": ("扣分", "Deducted"),
    "pending": ("待复核扣分", "Pending"), "grade": ("等级", "Grade"),
    "other_basis": ("对照口径得分", "Other basis"),
    "changed": ("与对照口径不同", "differs from the other basis"),
    "not_published": ("该月尚未公布。", "This month has not been published."),
    "nothing": ("暂无记录。", "Nothing recorded."),
    "chart": ("月度得分", "Monthly scores"), "evaluation": ("年度评价", "Annual evaluation"),
    "computed": ("计算过程", "How it was computed"),
    "monthly_mean": ("月考核平均分", "Monthly mean"), "provincial": ("省级年评价", "Provincial score"),
    "base": ("基础分", "Base"), "bonus": ("加分", "Bonus"), "bonus_parts": ("加分构成", "Bonus parts"),
    "online": ("线上自学", "Online self-study"), "lecture": ("集中讲学", "Quarterly lectures"),
    "onsite": ("上门督学", "On-site supervision"), "secondment": ("跟班锻炼", "Secondments"),
    "caps": ("适用的限制", "Caps applied"), "bonus_void": ("存在严重扣分，加分作废", "Bonus void: serious deduction"),
    "assessed_months": ("考核月数", "Assessed months"), "trained_staff": ("参训人数", "Trained staff"),
    "interview": ("约谈", "Interview"), "key_inspection": ("重点检查", "Key inspection"),
    "deductions": ("扣分记录", "Deductions"), "rule": ("扣分项", "Item"),
    "found_on": ("发现日期", "Found on"), "notified_on": ("通知日期", "Notified on"),
    "status": ("状态", "Status"), "points": ("分值", "Points"), "effective": ("实扣分", "Effective"),
    "rectification": ("整改", "Rectification"), "dispute": ("申辩", "Dispute"),
    "due": ("截止", "due"), "reason": ("事由", "Reason"), "doubled": ("重复加倍", "doubled"),
    "trail": ("审计轨迹", "Audit trail"), "as_of": ("截至", "As of"),
    "as_of_help": ("查看该月在较早时刻的状态", "See the month as it stood at an earlier moment"),
    "after_event": ("第 {n} 号事件之后", "after event #{n}"), "now": ("现在", "now"),
    "event": ("事件", "Event"), "who": ("记录人", "Who"), "when": ("时间", "When"),
    "why": ("说明", "Why"), "before_after": ("分数变化", "Score before → after"),
    "open_disputes": ("待复核申辩", "Open disputes"), "review_due": ("复核截止", "Review due"),
    "overdue": ("已逾期", "overdue"), "filed_on": ("提出日期", "Filed on"),
    "grounds": ("申辩理由", "Grounds"), "open_rect": ("待整改", "Open rectifications"),
    "overdue_rect": ("逾期未整改", "Overdue rectifications"),
    "training": ("培训统计", "Training statistics"), "sessions": ("场次", "Sessions"),
    "agencies": ("机构数", "Agencies"), "person_times": ("人次", "Person-times"),
    "kind": ("类型", "Kind"), "export": ("导出", "Export"), "export_trail": ("导出全部轨迹", "Export full trail"),
    "forbidden": ("无权访问", "Forbidden"), "not_found": ("未找到", "Not found"),
    "forbidden_text": ("您的身份无权查看此页面。", "Your role may not see this page."),
    "upload": ("上传", "Upload"), "file": ("文件（CSV 或 XLSX）", "File (CSV or XLSX)"),
    "accept_valid": ("只记录有效行", "Record the valid rows only"),
    "import_help": ("默认整份文件全部有效才记录；任一行被拒绝则不记录任何内容。",
                    "By default the file is recorded only if every row is valid; one refused row records nothing."),
    "row": ("行", "Row"), "refused": ("被拒绝的行", "Refused rows"),
    "recorded_rows": ("已记录 {n} 行。", "{n} rows recorded."),
    "nothing_recorded": ("未记录任何内容。", "Nothing was recorded."),
    "already_recorded": ("{n} 行此前已记录，未重复记录。",
                         "{n} rows were already recorded and were not recorded again."),
    "language": ("English", "中文"),
    "grade_excellent": ("优秀", "excellent"), "grade_good": ("良好", "good"),
    "grade_qualified": ("合格", "qualified"), "grade_unqualified": ("不合格", "unqualified"),
    "grade_not_graded": ("不定级", "not graded"),
    "status_standing": ("有效", "standing"), "status_pending": ("复核中", "pending"),
    "status_reduced": ("已减轻", "reduced"), "status_overturned": ("已撤销（复核）", "overturned"),
    "status_withdrawn": ("已撤回", "withdrawn"), "status_open": ("待复核", "open"),
    "status_upheld": ("维持", "upheld"),
    "rect_on_time": ("按期完成", "on time"), "rect_late": ("逾期完成", "late"),
    "rect_open": ("整改中", "open"), "rect_overdue": ("逾期未整改", "overdue"),
    "rect_none": ("不适用", "n/a"),
    "ev_AgencyRegistered": ("机构登记", "Agency registered"),
    "ev_AgencyDeregistered": ("机构注销", "Agency deregistered"),
    "ev_DeductionRecorded": ("记录扣分", "Deduction recorded"),
    "ev_DeductionWithdrawn": ("撤回扣分", "Deduction withdrawn"),
    "ev_RectificationRecorded": ("记录整改", "Rectification recorded"),
    "ev_DisputeFiled": ("提出申辩", "Dispute filed"),
    "ev_DisputeResolved": ("复核决定", "Dispute resolved"),
}


def language() -> str:
    """?lang= wins, then the cookie, then Chinese."""
    wanted = request.args.get("lang") or request.cookies.get(COOKIE)
    return wanted if wanted in LANGUAGES else "zh"


def translate(key: str, **values: object) -> str:
    """The message for `key` in the request's language (the key itself when unknown)."""
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    text = pair[LANGUAGES.index(language())]
    return text.format(**values) if values else text
