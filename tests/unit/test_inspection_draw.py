"""The pure draw: the same facts in any order give the same plan; every selected team is valid."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.credit_code import check_character
from ledger.domain.errors import RuleViolation
from ledger.domain.inspection import AgencyFacts, DrawInputs, Inspector, draw


def code(n: int) -> str:
    first = f"91341800{n:09d}"
    return first + check_character(first)


agencies = st.lists(st.builds(
    lambda n, days, d12, serious, key: AgencyFacts(
        code(n), date(2025, 3, 1) - timedelta(days=days), None, key, {2024: d12},
        {2023: serious}),
    st.integers(1, 60), st.integers(0, 1500), st.integers(0, 4), st.integers(0, 3), st.booleans()),
    max_size=25, unique_by=lambda f: f.credit_code)


@settings(max_examples=60, deadline=None)
@given(agencies, st.permutations(range(5)), st.decimals("0.01", "1", places=2),
       st.integers(1, 3), st.randoms(use_true_random=False))
def test_the_draw_does_not_depend_on_the_order_of_its_facts(facts, order, ratio, size, rnd):
    inspectors = [Inspector(f"检查员{i}", (code(i + 1),) if i % 2 else ()) for i in range(5)]
    inputs = DrawInputs(2025, date(2025, 3, 1), ratio, "种子", tuple(inspectors), 9, "ab" * 32,
                        size)
    shuffled = list(facts)
    rnd.shuffle(shuffled)
    again = DrawInputs(2025, date(2025, 3, 1), ratio, "种子",
                       tuple(inspectors[i] for i in order), 9, "ab" * 32, size)
    try:
        first = draw(inputs, facts)
    except RuleViolation as refused:
        try:
            draw(again, shuffled)
        except RuleViolation as same:
            assert same.message == refused.message
            return
        raise AssertionError("one order refused, the other did not") from None
    assert draw(again, shuffled) == first
    for selection in first.selected:
        assert len(selection.team) == size and len(set(selection.team)) == size
        assert all(selection.agency not in i.conflicts for i in inspectors
                   if i.name in selection.team)
    randoms = [s.agency for s in first.selected if s.reasons == ("random",)]
    assert randoms == sorted(c for c, _ in first.ranking[:first.drawn])
