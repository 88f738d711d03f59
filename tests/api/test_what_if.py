"""POST /api/v1/what-if/standings: the standings a draft rule-set version would give, beside the
current ones, computed in memory and recording nothing; on both backends.

Shipped points used below (rule set 2022.1, in force from 2022-01-01; 2022.2 from 2022-07-01):
D01 2, D02 2, D03 2, D04 3, D06 3, D09 3, D13 1 (2 from 2022.2), D14 2; none of these is serious.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from ledger.domain.catalogue import draft_version
from ledger.domain.credit_code import check_character
from ledger.projections.model.views import ranked
from ledger.projections.queries.state_rows import agencies_from_rows
from ledger.projections.queries.whatif import apply_draft, fold_with_and_without, period_row
from tests.projections.test_row_readers import spoil_states
from tests.api.conftest import A, B, C, Callers, head, principal

D = "91341800PQRTUWXY1" + check_character("91341800PQRTUWXY1")
PATH = "/api/v1/what-if/standings"
DRAFT_FEB = {"effective_from": "2022-02-01", "items": [
    {"code": "D01", "points": 3, "serious": False, "rectifiable": True},
    {"code": "D03", "points": 5, "serious": False, "rectifiable": True},
]}


def month_world(app) -> None:
    """Four agencies and their deductions of January and February 2022."""
    ledger = app.extensions["ledger"].ledger
    li = principal("regulator")
    for code in (A, B, C, D):
        ledger.register_agency(li, code, f"机构{code[-4:]}", date(2019, 5, 10))
    ledger.record_deduction(li, A, "D01", date(2022, 1, 10), "notice late")
    ledger.record_deduction(li, A, "D01", date(2022, 2, 15), "notice late again")
    ledger.record_deduction(li, A, "D13", date(2022, 2, 20), "archive late")
    ledger.record_deduction(li, B, "D03", date(2022, 2, 10), "contract late")
    ledger.record_deduction(li, D, "D01", date(2022, 2, 5), "notice late")
    app.extensions["ledger"].read_side.wait_for(head(app))


def plain(response) -> dict:
    """The body as any JSON client reads it (numbers as int/float, not Decimal)."""
    return json.loads(response.data)


def by_agency(rows: list[dict]) -> dict[str, dict]:
    return {row["agency"]: row for row in rows}


def test_a_draft_that_changes_points_reranks_the_month(app):
    """February 2022, the draft in force from 2022-02-01 (D01 3 points, D03 5 points).

    A: D01 of 01-10 (January: found before effective_from, as recorded); D01 of 02-15 is
       doubled by it: current 2 x 2 = 4, draft 3 x 2 = 6; D13 of 02-20 1 point either way.
       current 100 - 4 - 1 = 95, draft 100 - 6 - 1 = 93, delta -2.
    B: D03 of 02-10: current 100 - 2 = 98, draft 100 - 5 = 95, delta -3.
    C: nothing: 100 both ways.
    D: D01 of 02-05 (no earlier D01): current 98, draft 100 - 3 = 97, delta -1.
    Current ranks: C 1, B 2, D 2 (tie), A 4. Draft ranks: C 1, D 2, B 3, A 4.
    """
    month_world(app)
    callers = Callers(app)
    answer = callers.regulator.post(PATH, json={"ruleset": DRAFT_FEB, "month": "2022-02"})
    assert answer.status_code == 200, plain(answer)
    body = plain(answer)
    assert body["month"] == "2022-02" and "year" not in body
    assert body["effective_from"] == "2022-02-01" and body["position"] == head(app)
    rows = body["rows"]
    assert [(r["agency"], r["rank"], r["score"]) for r in rows] == [
        (C, 1, 100), (D, 2, 97), (B, 3, 95), (A, 4, 93)]
    rows = by_agency(rows)
    assert {code: (r["current_score"], r["current_rank"], r["delta"])
            for code, r in rows.items()} == {
        A: (95, 4, -2), B: (98, 2, -3), C: (100, 1, 0), D: (98, 2, -1)}
    assert rows[A]["deducted_points"] == 7 and rows[A]["current_deducted_points"] == 5
    # January is before effective_from: nothing moves there.
    january = callers.auditor.post(PATH, json={"ruleset": DRAFT_FEB, "month": "2022-01"})
    assert january.status_code == 200
    assert {r["agency"]: r["delta"] for r in plain(january)["rows"]} == {
        A: 0, B: 0, C: 0, D: 0}
    # The current figures beside are those of the standings.
    standings = callers.anonymous.get("/api/v1/standings?month=2022-02").get_json()["rows"]
    assert {r["agency"]: (r["score"], r["rank"]) for r in standings} == {
        code: (r["current_score"], r["current_rank"]) for code, r in rows.items()}


def year_world(app) -> None:
    """Agency A's 2022: five deductions (one rectified on time), five staff trained online."""
    ledger = app.extensions["ledger"].ledger
    li = principal("regulator")
    ledger.register_agency(li, A, "宣城敬亭招标代理有限公司", date(2019, 5, 10))
    ledger.register_agency(li, B, "皖南宛陵项目管理有限公司", date(2019, 5, 10))
    d02 = ledger.record_deduction(li, A, "D02", date(2022, 3, 10), "result late").id
    ledger.record_rectification(li, d02, date(2022, 3, 11), "published")
    for code, day in (("D04", date(2022, 5, 10)), ("D09", date(2022, 6, 10)),
                      ("D06", date(2022, 7, 11)), ("D14", date(2022, 8, 10))):
        ledger.record_deduction(li, A, code, day, "found on inspection")
    session = ledger.hold_training_session(li, "online", date(2022, 4, 6), "law", 2).id
    for n in range(1, 6):
        ledger.record_attendance(li, session, A, f"E00{n}", f"员工{n}")
    app.extensions["ledger"].read_side.wait_for(head(app))


DRAFT_D02_SERIOUS = {"effective_from": "2022-01-01", "items": [
    {"code": "D02", "points": 2, "serious": True, "rectifiable": True}]}


def test_a_draft_that_makes_an_item_serious_removes_restoration_and_voids_the_bonus(app):
    """2022, the draft in force from 2022-01-01 making D02 serious (still 2 points).

    A, current: D02 of 03-10 rectified on time (due 10 working days after), so restored to
    2 / 2 = 1; D04 3, D09 3, D06 3, D14 2: 12 points over 12 assessed months, monthly mean
    (1200 - 12) / 12 = 99; bonus 5 online person-times x 0.2 = 1; 99 + 1 = 100 (capped);
    5 trained staff: excellent.
    A, draft: a serious deduction is never restored: D02 counts 2, 13 points, mean
    1187 / 12 = 98.916.. -> 98.92; a counting serious deduction voids the bonus: 98.92; and
    lowers excellent to good. delta 98.92 - 100 = -1.08.
    B: nothing recorded: 100 both ways, no bonus (no training), fewer than 5 trained staff:
    qualified both ways.
    March alone: current 100 - 1 = 99, draft 100 - 2 = 98.
    """
    year_world(app)
    callers = Callers(app)
    answer = callers.auditor.post(PATH, json={"ruleset": DRAFT_D02_SERIOUS, "year": 2022})
    assert answer.status_code == 200, plain(answer)
    body = plain(answer)
    assert body["year"] == 2022 and "month" not in body
    rows = by_agency(body["rows"])
    assert (rows[A]["score"], rows[A]["grade"], rows[A]["rank"]) == (98.92, "good", 2)
    assert (rows[A]["current_score"], rows[A]["current_grade"], rows[A]["current_rank"]) == \
        (100, "excellent", 1)
    assert rows[A]["delta"] == -1.08
    assert (rows[B]["score"], rows[B]["grade"], rows[B]["rank"], rows[B]["current_rank"],
            rows[B]["delta"]) == (100, "qualified", 1, 1, 0)
    march = plain(callers.regulator.post(PATH, json={"ruleset": DRAFT_D02_SERIOUS,
                                                     "month": "2022-03"}))
    assert (by_agency(march["rows"])[A]["score"], by_agency(march["rows"])[A]["current_score"]) \
        == (98, 99)


def test_disputes_and_their_outcomes_stay_as_recorded(app):
    """March 2022, the draft in force from 2022-01-01 making D03 5 points (recorded: 2).

    D03 of 03-10, disputed and reduced by the reviewer to 1: counts 1 either way (the
    reviewer's points, not the draft's). D03 of 03-15, disputed, still open: pending, and
    doubled by the one of 03-10 (counting): pending 2 x 2 = 4 now, 5 x 2 = 10 under the draft.
    Score 100 - 1 = 99 both ways.
    """
    ledger = app.extensions["ledger"].ledger
    li, wang = principal("regulator"), principal("reviewer")
    ledger.register_agency(li, A, "宣城敬亭招标代理有限公司", date(2019, 5, 10))
    first = ledger.record_deduction(li, A, "D03", date(2022, 3, 10), "contract late").id
    dispute = ledger.file_dispute(li, first, "published on time", date(2022, 3, 11)).id
    ledger.resolve_dispute(wang, dispute, "reduced", "one day late only", date(2022, 3, 20),
                           Decimal("1"))
    second = ledger.record_deduction(li, A, "D03", date(2022, 3, 15), "contract late").id
    ledger.file_dispute(li, second, "published on time", date(2022, 3, 16))
    app.extensions["ledger"].read_side.wait_for(head(app))
    draft = {"effective_from": "2022-01-01", "items": [
        {"code": "D03", "points": 5, "serious": False, "rectifiable": True}]}
    answer = Callers(app).auditor.post(PATH, json={"ruleset": draft, "month": "2022-03"})
    row = by_agency(plain(answer)["rows"])[A]
    assert (row["score"], row["current_score"], row["delta"]) == (99, 99, 0)
    assert (row["deducted_points"], row["current_deducted_points"]) == (1, 1)
    assert (row["pending_points"], row["current_pending_points"]) == (10, 4)


def test_the_served_answer_equals_folding_the_log_with_the_draft(app):
    """The states put together from the read model's rows, with the draft's terms put on them,
    are exactly the fold of the log given the draft (`LedgerModel(draft)`), agency by agency and
    deduction by deduction, and the served rows are the standings of that fold; the fold's own
    stored states (`rm_agency.state`) are made unreadable first: nothing served reads them."""
    month_world(app)
    ledger = app.extensions["ledger"].ledger
    rectified = ledger.record_deduction(principal("regulator"), C, "D01", date(2022, 3, 1),
                                        "late").id
    ledger.record_rectification(principal("regulator"), rectified, date(2022, 3, 2))
    side = app.extensions["ledger"].read_side
    side.wait_for(head(app))
    draft = draft_version(date(2022, 2, 1), DRAFT_FEB["items"])
    spoil_states(side)
    gen = side._gen()
    position = side._tracked(gen)
    with side.engine.connect() as conn:
        agencies = list(agencies_from_rows(conn, gen, [A, B, C, D]).values())
    assert position == head(app)
    drafted, current = fold_with_and_without(side.runner, draft, position)
    assert current.agencies == {a.code: a for a in agencies}
    changed = {a.code: apply_draft(a, draft) for a in agencies}
    assert changed == {A: {"2022-02"}, B: {"2022-02"}, C: {"2022-03"}, D: {"2022-02"}}
    assert drafted.agencies == {a.code: a for a in agencies}
    assert drafted.agencies[B].deductions != current.agencies[B].deductions
    for month in ("2022-02", "2022-03"):
        served = plain(Callers(app).regulator.post(PATH, json={"ruleset": DRAFT_FEB,
                                                               "month": month}))["rows"]
        folded = ranked([period_row(a, month, None, date.today())
                         for a in drafted.agencies.values()])
        assert [(r["agency"], r["rank"], r["score"]) for r in served] == \
            [(r["agency"], r["rank"], r["score"]) for r in folded]
    march = by_agency(served)
    assert (march[C]["score"], march[C]["current_score"]) == (98.5, 99)  # 3 / 2 against 2 / 2


def test_it_records_nothing(app):
    month_world(app)
    callers = Callers(app)
    side = app.extensions["ledger"].read_side
    before = (head(app), side.runner.active("assessments"), side.runner.active("event_index"))
    standings = callers.anonymous.get("/api/v1/standings?month=2022-02").get_json()
    month = callers.auditor.get(f"/api/v1/agencies/{B}/months/2022-02").get_json()
    for _ in range(2):
        answer = callers.regulator.post(PATH, json={"ruleset": DRAFT_FEB, "month": "2022-02"})
        assert answer.status_code == 200
    after = (head(app), side.runner.active("assessments"), side.runner.active("event_index"))
    assert after == before
    assert callers.anonymous.get("/api/v1/standings?month=2022-02").get_json() == standings
    assert callers.auditor.get(f"/api/v1/agencies/{B}/months/2022-02").get_json() == month
    assert month["score"] == 98  # still the recorded 2 points, not the draft's 5


def test_a_month_or_year_not_begun_has_no_rows_as_the_standings(sqlite_app):
    month_world(sqlite_app)
    callers = Callers(sqlite_app)
    for asked in ({"month": "2999-01"}, {"year": 2999}):
        answer = callers.regulator.post(PATH, json={"ruleset": DRAFT_FEB, **asked})
        assert answer.status_code == 200 and plain(answer)["rows"] == []
    assert callers.anonymous.get("/api/v1/standings?month=2999-01").get_json()["rows"] == []


@pytest.mark.parametrize("who,status", [
    ("regulator", 200), ("auditor", 200), ("reviewer", 403), ("agency_a", 403),
    ("anonymous", 401), ("unknown", 401)])
def test_roles(sqlite_callers, who, status):
    answer = sqlite_callers[who].post(PATH, json={"ruleset": DRAFT_FEB, "month": "2022-02"})
    assert answer.status_code == status, plain(answer)
    if status != 200:
        assert plain(answer)["code"] == status


def test_no_idempotency_key_is_needed_and_a_repeat_with_one_answers_the_same(sqlite_callers):
    first = sqlite_callers.regulator.post(PATH, json={"ruleset": DRAFT_FEB, "year": 2022},
                                          headers={"Idempotency-Key": "what-if-1"})
    again = sqlite_callers.regulator.post(PATH, json={"ruleset": DRAFT_FEB, "year": 2022},
                                          headers={"Idempotency-Key": "what-if-1"})
    assert first.status_code == again.status_code == 200
    assert plain(first) == plain(again)


ITEM = {"code": "D01", "points": 3, "serious": False, "rectifiable": True}


@pytest.mark.parametrize("body,field", [
    ({"ruleset": DRAFT_FEB}, "month"),
    ({"ruleset": DRAFT_FEB, "month": "2022-02", "year": 2022}, "year"),
    ({"ruleset": DRAFT_FEB, "month": "2022-13"}, "month"),
    ({"ruleset": DRAFT_FEB, "month": "22-02"}, "month"),
    ({"ruleset": DRAFT_FEB, "year": 99999}, "year"),
    ({"ruleset": DRAFT_FEB, "year": "2022"}, "year"),
    ({"month": "2022-02"}, "ruleset"),
    ({"ruleset": {"items": [ITEM]}, "month": "2022-02"}, "ruleset.effective_from"),
    ({"ruleset": {"effective_from": "20220201", "items": [ITEM]}, "month": "2022-02"},
     "ruleset.effective_from"),
    ({"ruleset": {"effective_from": "2022-02-30", "items": [ITEM]}, "month": "2022-02"},
     "ruleset.effective_from"),
    ({"ruleset": {"effective_from": "2022-02-01", "items": []}, "month": "2022-02"},
     "ruleset.items"),
    ({"ruleset": {"effective_from": "2022-02-01"}, "month": "2022-02"}, "ruleset.items"),
    ({"ruleset": {"effective_from": "2022-02-01", "items": [{**ITEM, "code": "D19"}]},
      "month": "2022-02"}, "ruleset.items.0.code"),
    ({"ruleset": {"effective_from": "2022-02-01", "items": [{**ITEM, "points": 1.234}]},
      "month": "2022-02"}, "ruleset.items.0.points"),
    ({"ruleset": {"effective_from": "2022-02-01", "items": [{**ITEM, "points": -1}]},
      "month": "2022-02"}, "ruleset.items.0.points"),
    ({"ruleset": {"effective_from": "2022-02-01", "items": [{**ITEM, "points": 101}]},
      "month": "2022-02"}, "ruleset.items.0.points"),
    ({"ruleset": {"effective_from": "2022-02-01", "items": [{**ITEM, "serious": "yes"}]},
      "month": "2022-02"}, "ruleset.items.0.serious"),
    ({"ruleset": {"effective_from": "2022-02-01",
                  "items": [{k: v for k, v in ITEM.items() if k != "rectifiable"}]},
      "month": "2022-02"}, "ruleset.items.0.rectifiable"),
    ({"ruleset": {"effective_from": "2022-02-01", "items": [{**ITEM, "title": "x"}]},
      "month": "2022-02"}, "ruleset.items.0.title"),
    ({"ruleset": DRAFT_FEB, "month": "2022-02", "basis": "current"}, "basis"),
])
def test_invalid_input_is_422_naming_the_field(sqlite_callers, body, field):
    answer = sqlite_callers.regulator.post(PATH, json=body)
    assert answer.status_code == 422, plain(answer)
    errors = plain(answer)["errors"]
    path = field.split(".")
    for key in path:
        assert key in errors, (field, plain(answer))
        errors = errors[key]


def test_a_code_listed_twice_is_409_naming_the_items(sqlite_callers):
    twice = {"effective_from": "2022-02-01", "items": [ITEM, {**ITEM, "points": 4}]}
    answer = sqlite_callers.regulator.post(PATH, json={"ruleset": twice, "month": "2022-02"})
    assert answer.status_code == 409, plain(answer)
    assert "D01" in plain(answer)["errors"]["ruleset.items"][0]


def test_points_are_exact_decimals(sqlite_app):
    month_world(sqlite_app)
    callers = Callers(sqlite_app)
    draft = {"effective_from": "2022-02-01", "items": [
        {"code": "D03", "points": 2.35, "serious": False, "rectifiable": True}]}
    rows = by_agency(plain(callers.regulator.post(PATH, json={"ruleset": draft,
                                                              "month": "2022-02"}))["rows"])
    assert Decimal(str(rows[B]["score"])) == Decimal("97.65")
    assert Decimal(str(rows[B]["delta"])) == Decimal("-0.35")
