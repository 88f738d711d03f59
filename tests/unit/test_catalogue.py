"""The deduction catalogue as shipped data: versions 2022.1 and 2022.2."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.domain.catalogue import Catalogue, RuleItem, RuleSetVersion, shipped_versions

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
