"""Argument schemas are made once: every request parses with the same instance, and a refused
body leaves nothing behind for the next one."""

from __future__ import annotations

from ledger.api import BLUEPRINTS
from ledger.api.blueprint import Blueprint, Parser
from ledger.api.deductions import DeductionIn
from tests.api.conftest import A


def test_every_api_blueprint_parses_with_the_ledger_parser():
    for module in BLUEPRINTS:
        assert isinstance(module.blp, Blueprint), module.__name__
        assert isinstance(module.blp.ARGUMENTS_PARSER, Parser)


def test_a_schema_class_is_instantiated_once():
    parser = Parser()
    first = parser._get_schema(DeductionIn, None)
    assert isinstance(first, DeductionIn)
    assert parser._get_schema(DeductionIn, None) is first
    given = DeductionIn()
    assert parser._get_schema(given, None) is given  # an instance is used as given


def test_a_refused_body_does_not_affect_the_next(sqlite_callers, world):
    path = f"/api/v1/agencies/{A}/deductions"
    bad = sqlite_callers.regulator.post(path, json={"rule_code": "X1", "found_on": "2025-13-01",
                                             "reason": "", "extra": 1})
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"rule_code", "found_on", "reason", "extra"}
    good = sqlite_callers.regulator.post(path, json={"rule_code": "D01", "found_on": "2025-03-05",
                                              "reason": "late filing"})
    assert good.status_code == 201, good.get_json()
    assert good.get_json()["rule_code"] == "D01"
    again = sqlite_callers.regulator.post(path, json={"found_on": "2025-03-05", "reason": "x"})
    assert again.status_code == 422
    assert set(again.get_json()["errors"]) == {"rule_code"}
