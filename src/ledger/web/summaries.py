"""The trail's summaries (written in English by the read model, as the API gives them) in
Chinese for the pages and exports: one table of the summaries' forms, codes with their titles.
The free text inside (a reason, a reasoning) stays as it was recorded."""

from __future__ import annotations

import re

from ledger.web.titles import with_title

D = r"\d{4}-\d{2}-\d{2}"
OUTCOMES = {"upheld": "维持扣分", "overturned": "撤销扣分", "reduced": "减轻"}


def _recorded(m: re.Match) -> str:
    return f"记录扣分 {with_title(m['c'])}：{m['p']} 分（扣分标准 {m['v']}）；{m['r']}"


def _withdrawn(m: re.Match) -> str:
    return f"撤回 {m['f']} 发现的 {with_title(m['c'])}：{m['r']}"


def _rectified(m: re.Match) -> str:
    timing = "按期" if m["t"] == "on time" else "逾期"
    return f"{m['f']} 发现的 {with_title(m['c'])} 于 {m['d']} 完成整改（{timing}；期限 {m['due']}）"


def _disputed(m: re.Match) -> str:
    return (f"{m['f']} 发现的 {with_title(m['c'])} 于 {m['d']} 提出申辩；"
            f"复核前暂不计分（复核期限 {m['due']}）")


def _resolved(m: re.Match) -> str:
    outcome = OUTCOMES[m["o"]] + (f"为 {m['p']} 分" if m["p"] else "")
    return f"{m['f']} 发现的 {with_title(m['c'])} 复核决定：{outcome}；{m['r']}"


def _registered(m: re.Match) -> str:
    return f"{m['n']} 于 {m['d']} 登记"


def _deregistered(m: re.Match) -> str:
    return f"于 {m['d']} 注销；该月不考核"


FORMS = [
    (rf"(?P<c>D\d+)(?: \S+)? recorded: (?P<p>[\d.]+) points \(rule set (?P<v>[^)]+)\); (?P<r>.*)", _recorded),
    (rf"(?P<c>D\d+)(?: \S+)? found (?P<f>{D}) withdrawn: (?P<r>.*)", _withdrawn),
    (rf"(?P<c>D\d+)(?: \S+)? found (?P<f>{D}) rectified on (?P<d>{D}) \((?P<t>on time|late); due (?P<due>{D})\)",
     _rectified),
    (rf"(?P<c>D\d+)(?: \S+)? found (?P<f>{D}) disputed on (?P<d>{D}); pending until reviewed \(due (?P<due>{D})\)",
     _disputed),
    (rf"(?P<c>D\d+)(?: \S+)? found (?P<f>{D}): dispute (?P<o>upheld|overturned|reduced)"
     rf"(?: to (?P<p>[\d.]+) points)?; (?P<r>.*)", _resolved),
    (rf"deregistered on (?P<d>{D}); the month is not assessed", _deregistered),
    (rf"(?P<n>.*) registered on (?P<d>{D})", _registered),
]
# The read model names each code with its Chinese title (`D05 设置差别歧视性条款 recorded: …`);
# the title, one word, is matched and written again from the catalogue.
COMPILED = [(re.compile(p + r"\Z", re.S), f) for p, f in FORMS]


IMPORTED = re.compile(r"(?P<rest>.*); imported from (?P<s>.+) \(SHA-256 (?P<h>[0-9a-f]+|None)\)\Z",
                      re.S)


def summary_zh(summary: str) -> str:
    """A trail summary in Chinese (unchanged when its form is unknown); an imported event's
    note of its file is kept, in Chinese too."""
    imported = IMPORTED.match(summary)
    if imported:
        return (f"{summary_zh(imported['rest'])}；导入自 {imported['s']}"
                f"（SHA-256 {imported['h']}）")
    for pattern, render in COMPILED:
        found = pattern.match(summary)
        if found:
            return render(found)
    return summary
