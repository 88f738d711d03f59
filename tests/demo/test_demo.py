"""The demo history: deterministic per seed, accepted by every rule, answered by the read side."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.demo.plan import Planner
from ledger.demo.run import run_demo
from ledger.domain.credit_code import credit_code_problem
from ledger.projections.queries.queries import AsOf, ReadSide

UNTIL = date(2023, 12, 31)


def plan(seed: int, agencies: int = 12) -> list:
    return Planner(agencies, 2, seed, UNTIL).ops()


def test_the_same_seed_plans_the_same_history():
    assert plan(7) == plan(7)


def test_another_seed_plans_another_history():
    assert plan(7) != plan(8)


def test_the_plan_holds_every_kind_of_fact_and_every_code_and_outcome():
    ops = plan(3, agencies=80)
    kinds = Counter(op.kind for op in ops)
    assert set(kinds) == {"register", "deregister", "deduct", "withdraw", "rectify", "dispute",
                          "resolve", "session", "attend", "second_start", "second_end",
                          "rating", "provincial", "publish"}
    codes = {op.fields["rule_code"] for op in ops if op.kind == "deduct"}
    assert codes == {f"D{n:02d}" for n in range(1, 19)}
    assert {op.fields["outcome"] for op in ops if op.kind == "resolve"} == {
        "upheld", "reduced", "overturned"}
    assert {op.fields["kind"] for op in ops if op.kind == "session"} == {
        "lecture", "onsite", "online"}
    notes = {op.fields["note"] for op in ops if op.kind == "rectify"}
    assert notes == {"已整改", "逾期整改"}  # on time and late


def test_every_credit_code_is_valid_and_the_plan_stays_within_its_years():
    ops = plan(5)
    assert all(credit_code_problem(op.fields["code"]) is None
               for op in ops if op.kind == "register")
    assert all(op.day <= UNTIL for op in ops)
    assert all(op.fields["found_on"] >= date(2022, 1, 1) for op in ops if op.kind == "deduct")


@pytest.fixture
def generated(ledger):
    outcome = run_demo(ledger, Planner(15, 2, 11, UNTIL))
    return ledger, outcome


def test_every_generated_command_is_accepted(generated):
    ledger, outcome = generated
    assert outcome.refused == Counter()
    assert outcome.events == sum(outcome.recorded.values()) == ledger.recorder.max_notification_id()


def test_some_deductions_are_doubled_by_repeats(generated):
    ledger, _ = generated
    read = ReadSide(ledger, today=lambda: UNTIL)
    codes = [r["agency"] for r in read.standings("2023-06")["rows"]]
    doubled = [d for code in codes for d in read.deductions(code) if d["doubled"]]
    assert doubled


def test_the_read_side_answers_for_the_generated_ledger(generated):
    ledger, outcome = generated
    read = ReadSide(ledger, today=lambda: UNTIL)
    standings = read.standings("2023-03")
    code = standings["rows"][0]["agency"]
    assert len(standings["rows"]) >= 10
    evaluation = read.evaluation(code, 2022)
    # The seed fixes the history, so the evaluation is known to the cent.
    assert (code, evaluation["grade"], evaluation["score"], evaluation["bonus"]) == (
        "913201028XNU0BG216", "excellent", Decimal("98.1"), Decimal("1.8"))
    # Every grade lies within its score's band or below it (caps only lower a grade).
    order = ["unqualified", "qualified", "good", "excellent"]
    for row in read.annual_standings(2022)["rows"]:
        band = next(g for floor, g in ((90, "excellent"), (80, "good"), (60, "qualified"),
                                       (0, "unqualified")) if row["score"] >= floor)
        assert order.index(row["grade"]) <= order.index(band), row
    assert read.trail(code, "2023-03")["entries"][0]["event"] == "AgencyRegistered"
    half = AsOf(position=outcome.head // 2)
    assert read.month(code, "2022-03", as_of=half)["agency"] == code
    assert read.standings(basis="published")["revision"] >= 1


def test_demo_command_fills_an_empty_ledger_and_refuses_a_full_one(tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    args = ["demo", "--agencies", "5", "--years", "1", "--until", "2023-06-30"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "recorded" in first.output
    second = CliRunner().invoke(main, args)
    assert second.exit_code != 0 and "not empty" in second.output


def test_the_generated_history_is_one_intact_hash_chain(generated):
    from ledger.integrity.verify import verify

    ledger, outcome = generated
    report = verify(ledger.engine)
    assert report.verified and report.events == outcome.events


def test_a_refused_operation_is_counted_and_leaves_no_trace(ledger):
    from ledger.demo.plan_agency import Op
    from ledger.demo.run import Outcome, run_ops

    code = "91341800H9EH9J1GRF"
    ops = [Op(date(2022, 1, 1), "register", {"code": code, "name": "敬亭招标",
                                             "registered_on": date(2022, 1, 1)}),
           Op(date(2022, 2, 1), "second_start", {
               "ref": "c1", "agency": code, "staff_ref": "S-1", "staff_name": "周杰",
               "department": "采购处", "started_on": date(2022, 2, 1)}),
           Op(date(2022, 2, 2), "second_end", {"sec": "c1", "ended_on": date(2022, 1, 15)}),
           Op(date(2022, 2, 3), "withdraw", {"ded": "missing", "reason": "?"})]
    outcome, refs = Outcome(), {}
    with ledger.batch() as batch:
        run_ops(ledger, batch, ops, refs, outcome)
    assert outcome.recorded == Counter({"register": 1, "second_start": 1})
    assert sum(outcome.refused.values()) == 2 and len(batch.recorded) == 2
    assert ledger.agency(code).secondments[f"{code}-S1"].ended_on is None
    assert ledger.recorder.max_notification_id() == 2
