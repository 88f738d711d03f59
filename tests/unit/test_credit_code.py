"""Unified social credit codes: length, alphabet and GB 32100-2015 check character."""

import pytest

from ledger.domain.credit_code import ALPHABET, WEIGHTS, check_character, credit_code_problem

PUBLISHED_CODES = [
    "91350100M000100Y43",  # the example printed in GB 32100-2015
    "91110108551385082Q",
    "91440300708461136T",
    "91341800H9EH9J1GRF",  # the worked example's agencies
    "91341800NNDMLAR0UG",
    "91341800WQD9LLEHT2",
]


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_published_codes_are_valid(code):
    assert credit_code_problem(code) is None


def test_check_value_31_is_written_as_zero():
    code = "91341800H9EH9J1GL0"
    assert sum(ALPHABET.index(c) * w for c, w in zip(code[:17], WEIGHTS)) % 31 == 0
    assert check_character(code[:17]) == "0"
    assert credit_code_problem(code) is None


def test_check_value_30_is_the_last_letter_y():
    assert check_character("91341800H9EH9J1GY") == "Y"
    assert credit_code_problem("91341800H9EH9J1GYY") is None


@pytest.mark.parametrize("code", ["91350100M000100Y4", "91350100M000100Y433", ""])
def test_code_of_wrong_length_fails_the_length_check(code):
    problem = credit_code_problem(code)
    assert problem.startswith("length check failed")
    assert f"got {len(code)}" in problem


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z", "a"])
def test_letter_outside_the_alphabet_fails_the_character_check(bad):
    code = "91350100M000100Y43".replace("M", bad)
    problem = credit_code_problem(code)
    assert problem.startswith("character check failed")
    assert repr(bad) in problem


def test_wrong_last_character_fails_the_check_character_and_says_the_right_one():
    problem = credit_code_problem("91350100M000100Y44")
    assert problem.startswith("check character failed")
    assert "'3'" in problem and "'4'" in problem


def test_length_is_checked_before_characters_and_check_character():
    assert credit_code_problem("9135o100M000100Y4").startswith("length check failed")


def test_a_non_string_is_refused():
    assert credit_code_problem(913501) == "must be a string of 18 characters"
