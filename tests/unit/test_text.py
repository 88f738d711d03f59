"""Text hygiene: control characters, surrogates, length and blank text are refused."""

import pytest

from ledger.domain.errors import InvalidInput
from ledger.domain.text import NAME_LIMIT, TEXT_LIMIT, checked_text, text_problem


@pytest.mark.parametrize("value", ["合肥市采购代理有限公司", "line one\nline two\tand\r\n", "x" * TEXT_LIMIT])
def test_ordinary_text_is_accepted(value):
    assert checked_text("reason", value) == value


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\ud800", "\udfff"])
def test_control_characters_and_lone_surrogates_are_refused(char):
    with pytest.raises(InvalidInput) as refused:
        checked_text("reason", f"a{char}b")
    assert "reason" in refused.value.errors
    assert f"U+{ord(char):04X}" in refused.value.errors["reason"][0]


def test_text_longer_than_its_limit_is_refused():
    assert text_problem("x" * NAME_LIMIT, limit=NAME_LIMIT) is None
    assert "at most 200" in text_problem("x" * (NAME_LIMIT + 1), limit=NAME_LIMIT)


def test_white_space_only_counts_as_missing_when_required():
    assert text_problem(" \t\n", required=True) == "must not be empty or only white space"
    assert text_problem(None, required=False) is None
    assert text_problem(None, required=True) == "is required"
