"""The RuleSet aggregate: versions published after the shipped 2022.1 and 2022.2."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.domain.catalogue import RuleItem
from ledger.domain.errors import InvalidInput, RuleViolation
from ledger.domain.ruleset import RuleSet

ITEM = RuleItem("D01", "late notice", Decimal(4), serious=False, rectifiable=True)


def test_published_version_joins_the_catalogue_from_its_effective_date():
    rules = RuleSet(recorded_by="li")
    rules.publish_version("2023.1", date(2023, 1, 1), [ITEM], "li")
    catalogue = rules.catalogue()
    assert catalogue.version_on(date(2023, 1, 1)).items["D01"].points == 4
    assert catalogue.version_on(date(2022, 12, 31)).version == "2022.2"


def test_an_existing_version_id_is_refused():
    with pytest.raises(RuleViolation, match="2022.2 already exists"):
        RuleSet(recorded_by="li").publish_version("2022.2", date(2023, 1, 1), [ITEM], "li")


def test_a_version_not_after_the_latest_is_refused():
    with pytest.raises(RuleViolation, match="2022.2, effective from 2022-07-01"):
        RuleSet(recorded_by="li").publish_version("2022.3", date(2022, 7, 1), [ITEM], "li")


def test_a_version_without_items_is_refused():
    with pytest.raises(InvalidInput) as refused:
        RuleSet(recorded_by="li").publish_version("2023.1", date(2023, 1, 1), [], "li")
    assert set(refused.value.errors) == {"items"}
