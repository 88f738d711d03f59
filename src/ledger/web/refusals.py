"""The domain's refusals (English in the log and the API) as the pages say them in Chinese.

One table, keyed by the refusal's wording: the first pattern that matches the whole message
gives its Chinese, with the message's figures (dates, codes, points) carried over. A message no
pattern knows is shown as a general Chinese refusal followed by the original in parentheses, so
nothing is hidden; tests/web/test_refusals.py keeps the table complete for the domain's messages.
"""

from __future__ import annotations

import re

from ledger.domain.errors import InvalidInput, LedgerError

# (pattern over the English message, Chinese with \g<name> from the pattern's groups)
PATTERNS: list[tuple[str, str]] = [
    # field problems (InvalidInput messages)
    (r"is required", "必填。"),
    (r"must not be empty( or only white space)?", "不能为空。"),
    (r"must be text", "必须是文字。"),
    (r"must be at most (?P<n>\d+) characters, got (?P<m>\d+)", r"最多 \g<n> 个字符，现有 \g<m> 个。"),
    (r"must not contain the control character (?P<c>U\+\w+) \(at (?P<i>\d+)\)",
     r"不能包含控制字符 \g<c>（第 \g<i> 个字符处）。"),
    (r"must not contain an unpaired surrogate (?P<c>U\+\w+) \(at (?P<i>\d+)\)",
     r"不能包含不成对的代理字符 \g<c>（第 \g<i> 个字符处）。"),
    (r"must not be after today \((?P<t>[\d-]+)\), got (?P<d>[\d-]+)",
     r"不能晚于今天（\g<t>），填写的是 \g<d>。"),
    (r"must not be before (?P<f>\w+) \((?P<d>[\d-]+)\)", r"不能早于\g<f>（\g<d>）。"),
    (r"must be between (?P<a>[\d.]+) and (?P<b>[\d.]+), got (?P<v>.+)",
     r"必须在 \g<a> 到 \g<b> 之间，填写的是 \g<v>。"),
    (r"must be more than 0 and at most 24, got (?P<v>.+)", r"必须大于 0 且不超过 24，填写的是 \g<v>。"),
    (r"must be a year from 2000 to (?P<y>\d+), got (?P<v>\d+)",
     r"必须是 2000 至 \g<y> 年之间的年份，填写的是 \g<v>。"),
    (r"must be after the month has ended \((?P<d>[\d-]+)\)", r"必须在该月结束（\g<d>）之后。"),
    (r"must be one of .*", "不是可选的值之一。"),
    (r"is required when the outcome is 'reduced'", "复核结果为“减轻”时必须填写新的分值。"),
    (r"must be more than 0 and less than the base points (?P<p>[\d.]+)",
     r"必须大于 0 且小于原分值 \g<p>。"),
    (r"must be a multiple of 0\.5", "必须是 0.5 的整数倍。"),
    (r"must be a multiple of 0\.01", "最多保留两位小数。"),
    (r"must be a string of 18 characters", "必须是 18 位字符。"),
    (r"length check failed: must be 18 characters, got (?P<n>\d+)",
     r"长度校验未通过：应为 18 位，填写了 \g<n> 位。"),
    (r"character check failed: only 0-9 and A-H J-N P-R T-U W-Y are allowed, found (?P<c>.+)",
     r"字符校验未通过：只允许数字和字母 A-H J-N P-R T-U W-Y（不含 I、O、S、V、Z），出现了 \g<c>。"),
    (r"check character failed: the 18th character should be (?P<e>.+) for the first 17, got (?P<g>.+)",
     r"校验码未通过：按前 17 位第 18 位应为 \g<e>，填写的是 \g<g>。"),
    (r"no rule set version is in force on (?P<d>[\d-]+) \(the first takes effect (?P<f>[\d-]+)\)",
     r"\g<d> 没有生效的扣分标准版本（最早的版本自 \g<f> 起生效）。"),
    (r"unknown rule code (?P<c>.+) in rule set (?P<v>[\w.]+); known codes: .*",
     r"扣分标准 \g<v> 中没有扣分项 \g<c>。"),
    # rule violations
    (r"Agency (?P<c>\w+) is already registered\.", r"机构 \g<c> 已经登记。"),
    (r"Agency (?P<c>\w+) was not registered on (?P<f>\w+) (?P<d>[\d-]+): it is registered from "
     r"(?P<r>[\d-]+)(?P<u>.*)\.", r"机构 \g<c> 在 \g<d> 尚未登记或已注销（登记日期 \g<r>）。"),
    (r"Agency (?P<c>\w+) was already deregistered on (?P<d>[\d-]+)\.",
     r"机构 \g<c> 已于 \g<d> 注销。"),
    (r"Staff (?P<s>.+) of agency (?P<c>\w+) already has secondment (?P<i>\S+) from (?P<d>[\d-]+) "
     r"\((?P<u>.*)\); one person cannot have two overlapping secondments\.",
     r"机构 \g<c> 的人员 \g<s> 已有自 \g<d> 起的跟班锻炼（\g<i>），同一人的跟班锻炼不能重叠。"),
    (r"Secondment (?P<i>\S+) was already completed on (?P<d>[\d-]+)\.",
     r"跟班锻炼 \g<i> 已于 \g<d> 结束。"),
    (r"Agency (?P<c>\w+) was registered on (?P<r>[\d-]+); it has no provincial evaluation for (?P<y>\d+)\.",
     r"机构 \g<c> 于 \g<r> 登记，\g<y> 年没有省级年评价。"),
    (r"Deduction (?P<i>\S+) was already withdrawn; a withdrawal is final\.",
     "该扣分已撤回，撤回不可再次进行。"),
    (r"(?P<c>D\d+) deductions have no rectification\.", r"\g<c> 类扣分不适用整改。"),
    (r"Deduction (?P<i>\S+) was withdrawn; it takes no rectification\.", "该扣分已撤回，不能再记录整改。"),
    (r"Deduction (?P<i>\S+) already has a rectification completed on (?P<d>[\d-]+); .*",
     r"该扣分已有整改记录（完成于 \g<d>），每条扣分只能记录一次整改。"),
    (r"Deduction (?P<i>\S+) was withdrawn; it takes no dispute\.", "该扣分已撤回，不能申辩。"),
    (r"Deduction (?P<i>\S+) already has dispute (?P<p>\S+) \(filed (?P<d>[\d-]+)\); .*",
     r"该扣分已于 \g<d> 提出过申辩，每条扣分只能申辩一次。"),
    (r"filed_on (?P<f>[\d-]+) is before the deduction was notified on (?P<n>[\d-]+); a dispute can "
     r"be filed from (?P<a>[\d-]+) to (?P<b>[\d-]+)\.",
     r"提出日期 \g<f> 早于通知日期 \g<n>；申辩期限为 \g<a> 至 \g<b>。"),
    (r"The dispute window closed on (?P<d>[\d-]+) \(5 working days after notification on "
     r"(?P<n>[\d-]+)\); filed_on (?P<f>[\d-]+) is too late\.",
     r"申辩期限已于 \g<d> 截止（通知日期 \g<n> 后 5 个工作日），\g<f> 提出已逾期。"),
    (r"(?P<w>.+) recorded deduction (?P<i>\S+) and may not review its dispute\.",
     r"\g<w> 是该扣分的记录人，不能复核其申辩。"),
    (r"Dispute (?P<i>\S+) was already resolved \((?P<o>\w+)\) on (?P<d>[\d-]+)\.",
     r"该申辩已于 \g<d> 作出复核决定。"),
    (r"Staff (?P<s>.+) of agency (?P<c>\w+) is already recorded at this session \((?P<t>.*), "
     r"(?P<d>[\d-]+)\); the same person counts once per session\.",
     r"机构 \g<c> 的人员 \g<s> 已记录参加本场培训，同一人每场只计一次。"),
    (r"Rule set version (?P<v>\S+) already exists\.", r"扣分标准版本 \g<v> 已存在。"),
    (r"Role (?P<r>\w+) may not (?P<a>.+)\.", "您的身份无权进行此操作。"),
    (r"An agency token may only (?P<a>.+) for its own code \((?P<c>\w+)\)\.",
     r"代理机构只能为本机构（\g<c>）办理。"),
    (r"No agency with credit code (?P<c>\w+)\.", r"没有统一社会信用代码为 \g<c> 的机构。"),
    (r"No (?P<k>deduction|dispute|training session|secondment) .*\.", "没有找到该记录。"),
    (r"The record was changed by others at the same time; try again\.", "该记录正被他人同时修改，请重试。"),
]
# Field names a message may name, as the forms label them.
FIELD_NAMES = {
    "found_on": "发现日期", "notified_on": "通知日期", "filed_on": "提出日期",
    "registered_on": "登记日期", "deregistered_on": "注销日期", "started_on": "开始日期",
    "ended_on": "结束日期", "held_on": "举办日期", "rated_on": "评价日期",
    "decided_on": "决定日期", "completed_on": "整改完成日期", "published_on": "公布日期",
    "credit_code": "统一社会信用代码", "rule_code": "扣分项", "reason": "事由", "grounds": "申辩理由",
    "reasoning": "复核理由", "points": "分值", "score": "得分", "rating": "评分", "hours": "学时",
    "topic": "主题", "name": "名称", "staff_ref": "工号", "staff_name": "姓名", "year": "年度",
    "month": "月份", "kind": "类型", "outcome": "复核结果", "department": "跟班科室",
}
COMPILED = [(re.compile(p + r"\Z", re.S), zh) for p, zh in PATTERNS]
UNKNOWN = "未能办理"


def chinese(message: str) -> str:
    """The Chinese of one refusal message (the general refusal with the original when unknown)."""
    for pattern, zh in COMPILED:
        found = pattern.match(message.strip())
        if found:
            text = found.expand(zh)
            for value in found.groupdict().values():
                if value in FIELD_NAMES:
                    text = text.replace(value, FIELD_NAMES[value])
            return text
    return f"{UNKNOWN}（{message}）"


def known(message: str) -> bool:
    return any(p.match(message.strip()) for p, _ in COMPILED)


def field_errors(error: InvalidInput) -> dict[str, list[str]]:
    """An InvalidInput's problems per field, in Chinese."""
    return {field: [chinese(m) for m in messages] for field, messages in error.errors.items()}


def refusal_text(error: LedgerError) -> str:
    """A refusal as one Chinese sentence (for the page's banner)."""
    if isinstance(error, InvalidInput):
        return "；".join(f"{FIELD_NAMES.get(f, f)}：{m}" for f, ms in field_errors(error).items()
                        for m in ms)
    return chinese(error.message)
