"""The deduction items' Chinese titles: the one place the pages take them from.

The catalogue is to carry the titles itself (`ledger.domain.catalogue.rule_title`); until it
does, this mapping of the rule set's items stands in. Replace `_TITLES` by the catalogue's
lookup when it lands; every page and form calls `rule_title`.
"""

from __future__ import annotations

_TITLES = {
    "D01": "采购公告未按规定发布", "D02": "中标（成交）结果未在2个工作日内公告",
    "D03": "合同未在签订后2个工作日内公告", "D04": "澄清修改影响投标文件编制但未顺延截止时间",
    "D05": "设置差别歧视性条款", "D06": "资格条件作为评审因素或评分未量化",
    "D07": "违规收取保证金或文件费用", "D08": "保证金未在5个工作日内退还或履约保证金超过2.5%",
    "D09": "开标评标未全程录音录像", "D10": "评审专家未随机抽取或评审委员会组成违规",
    "D11": "代理服务费未公开", "D12": "质疑投诉成立",
    "D13": "档案未在合同签订后30日内归档或不完整", "D14": "登记信息未按时变更或专职人员不足5人",
    "D15": "无故缺席季度集中讲学", "D16": "现场督学中采购人评价低于70分", "D17": "逾期未整改",
    "D18": "提供虚假材料或阻碍监督检查",
}

try:  # the catalogue's own lookup, once it has one
    from ledger.domain.catalogue import rule_title as _catalogue_title  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on the catalogue's version
    _catalogue_title = None


def rule_title(code: str) -> str:
    """The Chinese title of a deduction item ('' when unknown)."""
    if _catalogue_title is not None:
        found = _catalogue_title(code)
        if found:
            return found
    return _TITLES.get(code, "")


def with_title(code: str) -> str:
    """A code as the pages show it: `D05 设置差别歧视性条款`."""
    title = rule_title(code)
    return f"{code} {title}" if title else code
