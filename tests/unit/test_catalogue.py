"""The deduction catalogue as shipped data: versions 2022.1 and 2022.2."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.domain.catalogue import (
    Catalogue, RuleItem, RuleSetVersion, draft_version, drafted_item, shipped_versions,
)
from ledger.domain.errors import ConflictingInput

# DOMAIN.md's table: code -> (2022.1 points, 2022.2 points)
POINTS = {
    "D01": (2, 2), "D02": (2, 2), "D03": (2, 3), "D04": (3, 3), "D05": (6, 6), "D06": (3, 3),
    "D07": (6, 6), "D08": (2, 2), "D09": (3, 3), "D10": (6, 6), "D11": (2, 2), "D12": (6, 6),
    "D13": (1, 2), "D14": (2, 2), "D15": (1, 1), "D16": (2, 2), "D17": (3, 3), "D18": (15, 15),
}
SERIOUS = {"D05", "D07", "D10", "D12", "D18"}


def test_shipped_versions_and_their_effective_dates():
    assert [(v.version, v.effective_from) for v in shipped_versions()] == [
        ("2022.1", date(2022, 1, 1)), ("2022.2", date(2022, 7, 1))]


@pytest.mark.parametrize("index", [0, 1])
def test_every_item_has_the_points_and_class_of_the_domain_table(index):
    version = shipped_versions()[index]
    assert {c: i.points for c, i in version.items.items()} == {
        c: Decimal(p[index]) for c, p in POINTS.items()}
    assert {c for c, i in version.items.items() if i.serious} == SERIOUS
    assert {c for c, i in version.items.items() if not i.rectifiable} == {"D17", "D18"}


def test_version_2022_2_applies_from_2022_07_01():
    catalogue = Catalogue()
    assert catalogue.version_on(date(2022, 6, 30)).version == "2022.1"
    assert catalogue.version_on(date(2022, 7, 1)).version == "2022.2"


def test_d03_is_two_points_on_2022_06_30_and_three_on_2022_07_01():
    catalogue = Catalogue()
    assert catalogue.version_on(date(2022, 6, 30)).items["D03"].points == 2
    assert catalogue.version_on(date(2022, 7, 1)).items["D03"].points == 3


def test_d13_is_one_point_on_2022_06_30_and_two_on_2022_07_01():
    catalogue = Catalogue()
    assert catalogue.version_on(date(2022, 6, 30)).items["D13"].points == 1
    assert catalogue.version_on(date(2022, 7, 1)).items["D13"].points == 2


def test_no_version_is_in_force_before_2022():
    assert Catalogue().version_on(date(2021, 12, 31)) is None


def test_a_published_version_takes_over_from_its_effective_date():
    item = RuleItem("D01", "late notice", Decimal(4), serious=False, rectifiable=True)
    catalogue = Catalogue((RuleSetVersion("2023.1", date(2023, 1, 1), {"D01": item}),))
    assert catalogue.version_on(date(2022, 12, 31)).version == "2022.2"
    assert catalogue.version_on(date(2023, 1, 1)).items["D01"].points == 4
    assert catalogue.has_version("2023.1") and not catalogue.has_version("2024.1")


def test_rule_item_survives_the_round_trip_through_a_dict():
    item = shipped_versions()[1].items["D05"]
    assert RuleItem.from_dict(item.as_dict()) == item


CHINESE_TITLES = {  # the list the rules give, verbatim
    "D01": "采购公告未按规定发布", "D02": "中标（成交）结果未在2个工作日内公告",
    "D03": "合同未在签订后2个工作日内公告", "D04": "澄清修改影响投标文件编制但未顺延截止时间",
    "D05": "设置差别歧视性条款", "D06": "资格条件作为评审因素或评分未量化",
    "D07": "违规收取保证金或文件费用", "D08": "保证金未在5个工作日内退还或履约保证金超过2.5%",
    "D09": "开标评标未全程录音录像", "D10": "评审专家未随机抽取或评审委员会组成违规",
    "D11": "代理服务费未公开", "D12": "质疑投诉成立", "D13": "档案未在合同签订后30日内归档或不完整",
    "D14": "登记信息未按时变更或专职人员不足5人", "D15": "无故缺席季度集中讲学",
    "D16": "现场督学中采购人评价低于70分", "D17": "逾期未整改", "D18": "提供虚假材料或阻碍监督检查",
}


def test_every_code_has_its_chinese_title():
    from ledger.domain.catalogue import coded, rule_title
    assert {code: rule_title(code) for code in CHINESE_TITLES} == CHINESE_TITLES
    assert coded("D05") == "D05 设置差别歧视性条款"
    assert rule_title("X99") == "" and coded("X99") == "X99"


def test_a_draft_counts_from_its_effective_day_for_the_codes_it_lists():
    draft = draft_version(date(2025, 3, 1), [
        {"code": "D05", "points": Decimal("4.5"), "serious": False, "rectifiable": True}])
    item = drafted_item(draft, "D05", date(2025, 3, 1))
    assert item is not None and (item.points, item.serious, item.rectifiable) == \
        (Decimal("4.5"), False, True)
    assert item.title  # the shipped Chinese title
    assert drafted_item(draft, "D05", date(2025, 2, 28)) is None  # found the day before
    assert drafted_item(draft, "D01", date(2025, 3, 1)) is None  # not listed: as recorded
    assert drafted_item(None, "D05", date(2025, 3, 1)) is None


def test_a_draft_listing_a_code_twice_is_refused_as_a_conflict():
    item = {"code": "D02", "points": 2, "serious": False, "rectifiable": True}
    with pytest.raises(ConflictingInput) as refused:
        draft_version(date(2025, 1, 1), [item, {**item, "points": 3}])
    assert "D02" in refused.value.errors["ruleset.items"][0]
