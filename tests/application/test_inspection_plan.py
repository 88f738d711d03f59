"""The yearly inspection plan: mandatory reasons, the seeded draw, teams, and its refusals."""

from __future__ import annotations

import hashlib
import math
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from fractions import Fraction
from threading import Barrier

import pytest

from ledger.application import Ledger
from ledger.domain.catalogue import RuleItem
from ledger.domain.credit_code import check_character
from ledger.domain.errors import InvalidInput, NotFound, NotPermitted, RuleViolation
from ledger.domain.inspection_plan import InspectionPlan
from ledger.projections.queries.queries import ReadSide
from tests.conftest import REGULATOR, REVIEWER

DRAWN_ON = date(2023, 3, 1)  # the application fixture's today is 2023-06-30
OLD = date(2021, 2, 28)  # 731 days before DRAWN_ON: not a new agency
INSPECTORS = [{"name": "张伟", "conflicts": []}, {"name": "李娜", "conflicts": []},
              {"name": "王芳", "conflicts": []}]


def code(n: int) -> str:
    """A valid credit code numbered n."""
    first = f"91341800{n:09d}"
    return first + check_character(first)


def register(app: Ledger, n: int, on: date = OLD) -> str:
    app.register_agency(REGULATOR, code(n), f"代理机构{n}", on)
    return code(n)


def deduct(app: Ledger, agency: str, rule: str, found_on: date) -> str:
    return app.record_deduction(REGULATOR, agency, rule, found_on, "检查发现").id


def plan(app: Ledger, ratio: str = "0.5", inspectors=None, team_size: int = 2, **kw):
    app.draw_inspection_plan(REGULATOR, 2023, kw.pop("drawn_on", DRAWN_ON), Decimal(ratio),
                             kw.pop("seed_text", "福彩3D 2023056期 5 1 8"),
                             INSPECTORS if inspectors is None else inspectors, team_size)
    return app.inspection_plan(2023)


def drawn(app: Ledger) -> dict[str, list[str]]:
    """agency -> reasons of the recorded plan."""
    event = plan_event(app)
    return {s["agency"]: s["reasons"] for s in event.selected}


def plan_event(app: Ledger):
    return next(iter(app.events.get(InspectionPlan.create_id(2023))))


def only_mandatory(app: Ledger) -> dict[str, list[str]]:
    """Draw with the smallest ratio among no other candidates: what is mandatory."""
    plan(app, ratio="0.000001")  # k = 1 when n > 0
    return {a: r for a, r in drawn(app).items() if r != ["random"]}


def test_key_inspection_alone_from_last_years_evaluation(app):
    agency = register(app, 1)
    for day in (10, 20):  # D17: 3 points, then doubled to 6 within 90 days
        for month in (1, 2, 3, 4):
            deduct(app, agency, "D17", date(2022, month, day))
    assert only_mandatory(app) == {agency: ["key_inspection"]}


def test_deductions_just_under_40_points_are_not_a_key_inspection(app):
    agency = register(app, 1)
    for month in (1, 2, 3, 4, 5, 6):  # 3 + 5 x 6 = 33 points
        deduct(app, agency, "D17", date(2022, month, 10))
    assert only_mandatory(app) == {}


def non_serious_d12(app: Ledger) -> None:
    """A published rule-set version under which D12 is not serious (so D12s alone are tested)."""
    app.publish_rule_set_version(REGULATOR, "2022.9", date(2022, 7, 2), [
        RuleItem("D12", "投诉处理不当", Decimal(1), False, True)])


def test_exactly_three_counting_d12_last_year_are_complaints(app):
    non_serious_d12(app)
    agency = register(app, 1)
    for month in (8, 10, 12):
        deduct(app, agency, "D12", date(2022, month, 10))
    assert only_mandatory(app) == {agency: ["complaints"]}


def test_two_d12_are_not_complaints(app):
    non_serious_d12(app)
    agency = register(app, 1)
    for month in (8, 10):
        deduct(app, agency, "D12", date(2022, month, 10))
    deduct(app, agency, "D12", date(2023, 1, 10))  # found in Y, not in Y-1
    assert only_mandatory(app) == {}


def test_an_overturned_d12_does_not_count_towards_complaints(app):
    non_serious_d12(app)
    agency = register(app, 1)
    ids = [deduct(app, agency, "D12", date(2022, month, 10)) for month in (8, 10, 12)]
    dispute = app.file_dispute(REGULATOR, ids[2], "不是投诉处理问题", date(2022, 12, 12)).id
    app.resolve_dispute(REVIEWER, dispute, "overturned", "证据不足", date(2022, 12, 20))
    assert only_mandatory(app) == {}


def test_two_serious_deductions_in_three_years_are_a_serious_repeat(app):
    agency = register(app, 1)
    deduct(app, agency, "D05", date(2022, 2, 10))
    deduct(app, agency, "D07", date(2022, 11, 10))
    assert only_mandatory(app) == {agency: ["serious_repeat"]}


def test_one_serious_deduction_is_no_serious_repeat(app):
    agency = register(app, 1)
    deduct(app, agency, "D05", date(2022, 2, 10))
    deduct(app, agency, "D05", date(2023, 2, 10))  # found in Y itself: not counted
    assert only_mandatory(app) == {}


def test_registered_730_days_before_is_new_and_731_is_not(app):
    new = register(app, 1, date(2021, 3, 1))
    register(app, 2, date(2021, 2, 28))
    assert only_mandatory(app) == {new: ["new_agency"]}


def test_a_new_agency_inspected_before_is_not_mandatory(app, database_url):
    inspected, fresh = register(app, 1, date(2022, 3, 1)), register(app, 2, date(2022, 3, 1))
    last_year = Ledger(url=database_url, today=lambda: date(2022, 12, 31))
    try:
        last_year.draw_inspection_plan(REGULATOR, 2022, date(2022, 6, 1), Decimal(1), "去年",
                                       INSPECTORS, 2)
        first = next(iter(last_year.events.get(InspectionPlan.create_id(2022))))
        team = [s["team"] for s in first.selected if s["agency"] == inspected][0]
        last_year.record_inspection(REGULATOR, 2022, inspected, date(2022, 7, 1), team, "无问题")
    finally:
        last_year.close()
    assert only_mandatory(app) == {fresh: ["new_agency"]}


def test_every_reason_that_applies_is_given_together(app):
    agency = register(app, 1, date(2022, 1, 1))
    for month in (1, 2, 3):
        deduct(app, agency, "D12", date(2022, month, 10))  # 6 + 12 + 12, serious
    for month in (5, 6):
        deduct(app, agency, "D17", date(2022, month, 10))  # 3 + 6 = 39, then 6 more
    deduct(app, agency, "D17", date(2022, 7, 10))
    assert only_mandatory(app) == {
        agency: ["key_inspection", "complaints", "serious_repeat", "new_agency"]}


def test_deregistered_and_later_registered_agencies_are_not_candidates(app):
    gone, later = register(app, 1, date(2022, 3, 1)), register(app, 2, date(2023, 3, 2))
    app.deregister_agency(REGULATOR, gone, DRAWN_ON)
    kept = register(app, 3, date(2022, 3, 1))
    plan(app, ratio="1")
    event = plan_event(app)
    assert event.candidates == 1
    assert drawn(app) == {kept: ["new_agency"]}
    assert later not in drawn(app)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_seed_ranking_and_teams_match_an_independent_computation(app):
    agencies = [register(app, n) for n in range(1, 8)]
    inspectors = INSPECTORS + [{"name": "赵磊", "conflicts": [agencies[0], agencies[1]]}]
    plan(app, ratio="0.3", inspectors=inspectors)
    event = plan_event(app)
    head = app.recorder.max_notification_id()
    assert event.head_position == head - 1  # the plan is recorded right after its head
    seed = sha(f"2023|2023-03-01|福彩3D 2023056期 5 1 8|{event.head_hash}")
    assert event.seed == seed
    k = math.ceil(Fraction(3, 10) * 7)  # 3
    chosen = sorted(sorted(agencies, key=lambda c: sha(f"{seed}|{c}"))[:k])
    assert [s["agency"] for s in event.selected] == chosen
    assert all(s["reasons"] == ["random"] for s in event.selected)
    for selection in event.selected:
        c = selection["agency"]
        ranked = sorted((i for i in inspectors if c not in i["conflicts"]),
                        key=lambda i: sha(f"{seed}|{c}|{i['name']}"))
        assert selection["team"] == [i["name"] for i in ranked[:2]]
    assert event.candidates == 7


def test_an_inspector_with_a_conflict_is_skipped(app):
    agency = register(app, 1, date(2022, 3, 1))  # mandatory: new
    inspectors = [{"name": n, "conflicts": [agency] if n != "丙" else []}
                  for n in ("甲", "乙", "丙", "丁")]
    plan(app, inspectors=inspectors, team_size=1)
    assert plan_event(app).selected[0]["team"] == ["丙"]


def test_too_few_inspectors_without_conflict_refuses_the_draw_naming_the_agency(app, refuses):
    agency = register(app, 1, date(2022, 3, 1))
    inspectors = [{"name": "甲", "conflicts": [agency]}, {"name": "乙", "conflicts": []}]
    with refuses(RuleViolation, f"Too few inspectors for agency {agency}"):
        plan(app, inspectors=inspectors)


def test_a_second_draw_of_the_same_year_is_refused(app, refuses):
    register(app, 1)
    plan(app)
    with refuses(RuleViolation, "already drawn"):
        plan(app)


@pytest.mark.parametrize("field, kw", [
    ("year", {"year": 2022}),
    ("drawn_on", {"drawn_on": date(2023, 7, 1)}),
    ("drawn_on", {"drawn_on": date(2022, 12, 31)}),
    ("ratio", {"ratio": Decimal(0)}),
    ("ratio", {"ratio": Decimal("1.01")}),
    ("ratio", {"ratio": Decimal("1E-999999999")}),
    ("ratio", {"ratio": Decimal("0.0000001")}),
    ("seed_text", {"seed_text": "  "}),
    ("inspectors", {"inspectors": [{"name": "甲"}, {"name": "甲"}]}),
    ("inspectors", {"inspectors": [{"name": "甲"}]}),
    ("inspectors.0.name", {"inspectors": [{"name": ""}, {"name": "乙"}]}),
    ("inspectors.1.conflicts", {"inspectors": [{"name": "甲"}, {"name": "乙",
                                                               "conflicts": ["X1"]}]}),
    ("team_size", {"team_size": 0}),
])
def test_bad_draw_inputs_are_refused_naming_the_field(app, refuses, field, kw):
    register(app, 1)
    args = {"year": 2023, "drawn_on": DRAWN_ON, "ratio": Decimal("0.5"), "seed_text": "种子",
            "inspectors": INSPECTORS, "team_size": 2} | kw
    with refuses(InvalidInput) as info:
        app.draw_inspection_plan(REGULATOR, **args)
    assert field in info.value.errors


def test_only_a_regulator_draws_the_plan(app, refuses):
    with refuses(NotPermitted):
        app.draw_inspection_plan(REVIEWER, 2023, DRAWN_ON, Decimal(1), "种子", INSPECTORS)


def test_preview_shows_the_draw_and_records_nothing(app, refuses):
    agency = register(app, 1, date(2022, 3, 1))
    before = app.recorder.max_notification_id()
    inputs, result = app.preview_inspection_plan(REGULATOR, 2023, DRAWN_ON, Decimal("0.5"),
                                                 "种子", INSPECTORS)
    assert result.mandatory == {agency: ("new_agency",)}
    assert inputs.head_position == before
    assert app.recorder.max_notification_id() == before


# -- inspections ----------------------------------------------------------------------------

@pytest.fixture
def planned(app):
    agency = register(app, 1, date(2022, 3, 1))
    other = register(app, 2, date(2023, 3, 2))  # registered after the draw: not a candidate
    plan(app)
    team = plan_event(app).selected[0]["team"]
    return agency, other, team


def test_an_inspection_is_recorded_with_its_deductions(app, planned):
    agency, _, team = planned
    found = deduct(app, agency, "D01", date(2023, 4, 1))
    app.record_inspection(REGULATOR, 2023, agency, date(2023, 4, 1), list(reversed(team)),
                          "发现公告逾期", [found])
    assert app.inspection_plan(2023).inspected == {agency: date(2023, 4, 1)}


def test_an_agency_not_in_the_plan_is_refused(app, planned, refuses):
    _, other, team = planned
    with refuses(RuleViolation, "not in the inspection plan"):
        app.record_inspection(REGULATOR, 2023, other, date(2023, 4, 1), team, "检查")


def test_a_second_inspection_of_an_agency_is_refused(app, planned, refuses):
    agency, _, team = planned
    app.record_inspection(REGULATOR, 2023, agency, date(2023, 4, 1), team, "检查")
    with refuses(RuleViolation, "already recorded"):
        app.record_inspection(REGULATOR, 2023, agency, date(2023, 4, 2), team, "检查")


def test_inspectors_other_than_the_team_are_refused(app, planned, refuses):
    agency, _, team = planned
    with refuses(RuleViolation, "must be the team"):
        app.record_inspection(REGULATOR, 2023, agency, date(2023, 4, 1), [team[0], "外人"], "检查")


def test_a_deduction_of_another_agency_is_refused(app, planned, refuses):
    agency, other, team = planned
    theirs = deduct(app, other, "D01", date(2023, 4, 1))
    with refuses(RuleViolation, f"of {other}, not of {agency}"):
        app.record_inspection(REGULATOR, 2023, agency, date(2023, 4, 1), team, "检查", [theirs])
    with refuses(InvalidInput, "no deduction"):
        app.record_inspection(REGULATOR, 2023, agency, date(2023, 4, 1), team, "检查",
                              ["00000000-0000-0000-0000-000000000000"])


@pytest.mark.parametrize("inspected_on", [date(2023, 2, 28), date(2023, 7, 1)])
def test_inspection_dates_before_the_draw_or_after_today_are_refused(app, planned, refuses,
                                                                     inspected_on):
    agency, _, team = planned
    with refuses(InvalidInput, "inspected_on"):
        app.record_inspection(REGULATOR, 2023, agency, inspected_on, team, "检查")


def test_an_inspection_without_a_plan_is_not_found(app, refuses):
    agency = register(app, 1)
    with refuses(NotFound, "No inspection plan of 2023"):
        app.record_inspection(REGULATOR, 2023, agency, date(2023, 4, 1), ["甲", "乙"], "检查")


def test_the_random_count_is_exact_decimal_arithmetic(app):
    for n in range(1, 26):
        register(app, n)
    plan(app, ratio="0.28")  # as binary floats 0.28 x 25 is 7.000000000000001: k would be 8
    assert len(plan_event(app).selected) == 7


def key_inspection_last_year(app: Ledger) -> tuple[str, str]:
    """An agency with 45 counting points in 2022 (key_inspection), and its last D17's id."""
    agency = register(app, 1)
    ids = [deduct(app, agency, "D17", date(2022, month, day))
           for month in (1, 2, 3, 4) for day in (10, 20)]
    return agency, ids[-1]


def test_key_inspection_comes_from_the_final_basis_once_last_year_is_finalized(app):
    agency, last = key_inspection_last_year(app)
    reads = ReadSide(app, today=lambda: date(2023, 1, 20))
    try:
        app.open_notice(REGULATOR, 2022, date(2023, 1, 3), reads)
    finally:
        reads.close()
    app.finalize_year(REGULATOR, 2022, date(2023, 1, 16))
    app.withdraw_deduction(REGULATOR, last, "录入重复")  # 39 points now: the current flag is off
    assert only_mandatory(app) == {agency: ["key_inspection"]}


def test_key_inspection_is_the_current_evaluation_until_last_year_is_finalized(app):
    agency, last = key_inspection_last_year(app)
    reads = ReadSide(app, today=lambda: date(2023, 1, 20))
    try:
        app.open_notice(REGULATOR, 2022, date(2023, 1, 3), reads)  # noticed, not final
    finally:
        reads.close()
    app.withdraw_deduction(REGULATOR, last, "录入重复")
    assert only_mandatory(app) == {}


def test_linked_deductions_are_stored_as_the_ledger_writes_their_ids(app, planned, refuses):
    agency, _, team = planned
    found = deduct(app, agency, "D01", date(2023, 4, 1))
    with refuses(InvalidInput, "must not repeat"):
        app.record_inspection(REGULATOR, 2023, agency, date(2023, 4, 1), team, "检查",
                              [found, found.upper()])
    app.record_inspection(REGULATOR, 2023, agency, date(2023, 4, 1), team, "检查",
                          [found.upper()])
    recorded = list(app.events.get(InspectionPlan.create_id(2023)))[-1]
    assert recorded.deduction_ids == [found]


def test_of_draws_given_at_once_one_is_recorded_and_the_others_refused(app, database_url):
    register(app, 1)
    writers = 4
    start = Barrier(writers)
    ledgers = [Ledger(url=database_url, today=lambda: date(2023, 6, 30)) for _ in range(writers)]

    def one(ledger: Ledger):
        start.wait()
        try:
            return ledger.draw_inspection_plan(REGULATOR, 2023, DRAWN_ON, Decimal(1), "种子",
                                               INSPECTORS)
        except RuleViolation as refused:
            return refused
    try:
        with ThreadPoolExecutor(writers) as pool:
            results = list(pool.map(one, ledgers))
    finally:
        for ledger in ledgers:
            ledger.close()
    refused = [r for r in results if isinstance(r, RuleViolation)]
    assert len(refused) == writers - 1 and all("already drawn" in r.message for r in refused)
    assert len(list(app.events.get(InspectionPlan.create_id(2023)))) == 1
