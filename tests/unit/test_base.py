"""Shared checks and errors: deterministic ids, field-naming InvalidInput."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.domain.base import ledger_id, not_after_today, not_blank, within
from ledger.domain.errors import InvalidInput, collect


def test_ids_are_deterministic_per_kind_and_key():
    assert ledger_id("agency", "X") == ledger_id("agency", "X")
    assert ledger_id("agency", "X") != ledger_id("month", "X")


def test_today_itself_is_not_after_today():
    today = date(2022, 5, 1)
    assert not_after_today("d", today, today) == ("d", None)
    assert not_after_today("d", date(2022, 5, 2), today)[1].startswith("must not be after today")


def test_within_is_inclusive():
    assert within("r", Decimal(0), 0, 100)[1] is None
    assert within("r", Decimal(100), 0, 100)[1] is None
    assert within("r", Decimal("100.01"), 0, 100)[1] is not None


def test_blank_text_is_refused():
    assert not_blank("reason", "  ")[1] == "must not be empty"
    assert not_blank("reason", None)[1] == "must not be empty"


def test_collect_names_every_failed_field_in_one_error():
    with pytest.raises(InvalidInput) as refused:
        collect(("a", "bad"), ("b", None), ("c", "worse"), ("a", "also"))
    assert refused.value.errors == {"a": ["bad", "also"], "c": ["worse"]}
    assert "a: bad also" in refused.value.message
