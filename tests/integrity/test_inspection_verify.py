"""`ledger inspection verify YEAR` and the plan section of `ledger verify`: a recomputed draw."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner

from ledger.application import Ledger
from ledger.cli import main
from ledger.domain.credit_code import check_character
from ledger.integrity.inspection import verify_plan
from tests.conftest import REGULATOR
from tests.integrity.tamper import rehash, replace_rows, rows, run

INSPECTORS = [{"name": "张伟", "conflicts": []}, {"name": "李娜", "conflicts": []},
              {"name": "王芳", "conflicts": []}]


def code(n: int) -> str:
    first = f"91341800{n:09d}"
    return first + check_character(first)


@pytest.fixture
def drawn(database_url):
    """A 2023 plan over five old agencies and a new one, then an inspection after it."""
    ledger = Ledger(url=database_url, today=lambda: date(2023, 6, 30))
    for n in range(1, 6):
        ledger.register_agency(REGULATOR, code(n), f"代理机构{n}", date(2020, 1, 1))
    ledger.register_agency(REGULATOR, code(9), "新代理机构", date(2022, 5, 1))
    ledger.record_deduction(REGULATOR, code(1), "D05", date(2022, 3, 1), "歧视性条款")
    ledger.draw_inspection_plan(REGULATOR, 2023, date(2023, 3, 1), Decimal("0.4"), "双色球 2023024",
                                INSPECTORS)
    found = ledger.record_deduction(REGULATOR, code(9), "D01", date(2023, 4, 1), "公告逾期").id
    team = ledger.inspection_plan(2023).teams[code(9)]
    ledger.record_inspection(REGULATOR, 2023, code(9), date(2023, 4, 1), team, "发现公告逾期",
                             [found])
    yield ledger
    ledger.close()


@pytest.fixture
def cli(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("LEDGER_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def plan_row(ledger) -> dict:
    return [r for r in rows(ledger.engine) if r["topic"].endswith("InspectionPlanDrawn")][0]


def edit_state(row: dict, change) -> bytes:
    payload = json.loads(bytes(row["state"]))
    change(payload)
    return json.dumps(payload, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def rewrite(ledger, position: int, state: bytes) -> None:
    """An attacker's edit of one event, with the whole chain recomputed after it."""
    all_rows = rows(ledger.engine)
    index = next(i for i, r in enumerate(all_rows) if r["id"] == position)
    all_rows[index]["state"] = state
    replace_rows(ledger.engine, rehash(all_rows, index))


def test_an_untouched_plan_matches_its_recomputation(drawn, cli):
    result = cli("inspection", "verify", "2023")
    assert result.exit_code == 0, result.output
    assert "inspection plan 2023: matches" in result.output
    whole = cli("verify")  # the read models, rebuilt over the plan's events, match too
    assert whole.exit_code == 0, whole.output
    assert "inspection plan 2023: matches" in whole.output


def test_a_plan_with_an_agency_swapped_is_detected_and_the_difference_named(drawn, cli):
    row = plan_row(drawn)
    removed = []

    def swap(payload):
        selected = payload["selected"]
        random = [s for s in selected if s["reasons"] == ["random"]]
        removed.append(random[0]["agency"])
        chosen = {s["agency"] for s in selected}
        other = next(code(n) for n in range(1, 6) if code(n) not in chosen)
        random[0]["agency"] = other
    rewrite(drawn, row["id"], edit_state(row, swap))
    result = cli("inspection", "verify", "2023")
    assert result.exit_code == 1
    assert "DIFFERS" in result.output
    assert f"{removed[0]}: selected by the recomputed draw" in result.output
    whole = cli("verify", "--no-read-models")  # the chain was rehashed: only the draw tells
    assert whole.exit_code == 1 and "inspection plan 2023: DIFFERS" in whole.output


def test_a_plan_with_a_team_changed_is_detected(drawn):
    row = plan_row(drawn)

    def change_team(payload):
        team = payload["selected"][0]["team"]
        outsider = next(i["name"] for i in INSPECTORS if i["name"] not in team)
        payload["selected"][0]["team"] = [outsider, team[1]]
    rewrite(drawn, row["id"], edit_state(row, change_team))
    check = verify_plan(drawn, 2023)
    assert not check.matches
    assert any(": team in the plan" in d for d in check.differences)


def test_a_log_rewritten_before_the_head_is_detected_by_the_head_hash(drawn, cli):
    registered = [r for r in rows(drawn.engine) if r["topic"].endswith("AgencyRegistered")][0]
    state = bytes(registered["state"]).replace(b"2020-01-01", b"2022-06-01")  # now "new"
    rewrite(drawn, registered["id"], state)
    result = cli("inspection", "verify", "2023")
    assert result.exit_code == 1
    assert "head_hash: the plan says" in result.output
    assert "seed: the plan says" in result.output
    # the rewritten registration now makes the agency mandatory
    # (named as missing from the plan, or as drawn at random in it)
    assert any(line.strip().startswith(f"{code(1)}: ") and "new_agency" in line
               for line in result.output.splitlines())


def test_a_log_edited_without_rehashing_is_named_at_its_position(drawn):
    victim = rows(drawn.engine)[1]
    run(drawn.engine, "UPDATE ledger_events SET state = :s WHERE id = :i",
        {"s": bytes(victim["state"]).replace(b"2020-01-01", b"2020-01-02"), "i": victim["id"]})
    check = verify_plan(drawn, 2023)
    assert not check.matches
    assert any(d.startswith(f"position {victim['id']}: the stored event does not match")
               for d in check.differences)


def test_verify_of_a_year_without_a_plan_says_so(drawn, cli):
    result = cli("inspection", "verify", "2022")
    assert result.exit_code != 0 and "No inspection plan of 2022" in result.output
