"""Stored evaluations: every fact updates the rows at once, today's month moves them, as-of
versions equal a fold of the prefix, and generations built before rows existed still answer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from ledger.application import Ledger
from ledger.domain.credit_code import check_character
from ledger.domain.errors import NotFound
from ledger.projections.model import evaluation_rows
from ledger.projections.store import tables as t
from ledger.projections.model.evaluation_rows import empty_evaluation, resource_from_row, version
from ledger.projections.queries.queries import AsOf, ReadSide
from ledger.projections.queries.read_overview import annual_rows
from ledger.projections.store.runner import ASSESSMENTS
from ledger.projections.model.state import AgencyState
from ledger.projections.model.views import evaluation_resource
from tests.clock import Clock
from tests.projections.test_properties import direct_fold
from tests.projections.test_row_readers import spoil_states
from tests.scenario import REGULATOR, REVIEWER

A, B, C = (p + check_character(p) for p in ("91341800AAAAAAAA1", "91341800BBBBBBBB2",
                                             "91341800CCCCCCCC3"))


@pytest.fixture
def world(database_url, monkeypatch):
    """A ledger whose events count as recorded on the day its clock says (the evaluation rows
    hold the months that can still be read from that day on)."""
    clock = Clock(date(2022, 2, 20))
    monkeypatch.setattr(evaluation_rows, "recorded_day", lambda event: clock.day)
    app = Ledger(url=database_url, today=clock)
    side = ReadSide(app, today=clock)
    yield app, side, clock
    side.close()
    app.close()


def expected(app: Ledger, today: date, year: int = 2022) -> tuple[dict, list[dict]]:
    """Every agency's evaluation and the annual standings, from a fold of the whole log."""
    model = direct_fold(app, app.recorder.max_notification_id() or 0)
    evaluations = {code: {**evaluation_resource(a, year, today), "provisional": True}
                   for code, a in model.agencies.items()}
    return evaluations, annual_rows(list(model.agencies.values()), year, today)


def check(app: Ledger, side: ReadSide, today: date, year: int = 2022) -> dict:
    evaluations, rows = expected(app, today, year)
    for code, evaluation in evaluations.items():
        assert side.evaluation(code, year) == evaluation
    standings = side.annual_standings(year)
    assert standings["rows"] == rows and standings["total"] == len(rows)
    for row in rows:
        assert side.annual_standings(year, agency=row["agency"])["rows"] == [row]
    assert side.annual_standings(year, limit=2, offset=1)["rows"] == rows[1:3]
    return evaluations


def stored(side: ReadSide, code: str, year: int = 2022):
    e = t.evaluation.c
    with side.engine.connect() as conn:
        return conn.execute(select(t.evaluation).where(e.agency == code, e.year == year)).first()


def test_each_fact_changes_the_stored_evaluation_and_standings_at_once(world):
    app, side, clock = world
    for code, registered in ((A, date(2021, 6, 1)), (B, date(2021, 6, 1)),
                             (C, date(2022, 2, 10))):
        app.register_agency(REGULATOR, code, f"Agency {code[-4:]}", registered)
    before = check(app, side, clock.day)
    assert stored(side, A) is None  # no fact in 2022 yet: the empty year's evaluation
    deduction = app.record_deduction(REGULATOR, A, "D01", date(2022, 2, 14), "x").id
    after = check(app, side, clock.day)
    assert after[A]["score"] != before[A]["score"] and stored(side, A).first_through == 2
    dispute = app.file_dispute(REGULATOR, deduction, "grounds", date(2022, 2, 16)).id
    assert check(app, side, clock.day)[A]["deducted_points"] == 0
    clock.day = date(2022, 3, 20)
    app.resolve_dispute(REVIEWER, dispute, "upheld", "because", date(2022, 3, 10))
    assert check(app, side, clock.day)[A]["deducted_points"] > 0
    session = app.hold_training_session(REGULATOR, "lecture", date(2022, 3, 1), "t",
                                        Decimal(2)).id
    app.record_attendance(REGULATOR, session, A, "S1", "name")
    assert check(app, side, clock.day)[A]["trained_staff"] == 1
    app.record_provincial_evaluation(REGULATOR, B, 2022, Decimal(60))
    assert check(app, side, clock.day)[B]["provincial_score"] == Decimal(60)
    secondment = app.start_secondment(REGULATOR, B, "S9", "name", "dept", date(2022, 1, 3)).id
    app.complete_secondment(REGULATOR, secondment, date(2022, 3, 15))
    assert check(app, side, clock.day)[B]["bonus_parts"]["secondment"] == 1
    app.record_purchaser_rating(REGULATOR, C, date(2022, 3, 2), "buyer", "P1", Decimal(4))
    assert check(app, side, clock.day)[C]["purchaser_ratings"] == 1
    app.deregister_agency(REGULATOR, C, date(2022, 3, 18))
    check(app, side, clock.day)
    # Today moves into a new month with no event: the month counts at once.
    assert side.evaluation(A, 2022)["assessed_months"] == 3
    clock.day = date(2022, 4, 2)
    assert check(app, side, clock.day)[A]["assessed_months"] == 4
    assert stored(side, A).first_through == 3  # read from the row, which holds April on
    # A clock set before the rows' first month (only tests do): computed by folding the log,
    # never from the fold's stored states (made unreadable here).
    side.refresh()
    spoil_states(side)
    clock.day = date(2022, 1, 5)
    assert check(app, side, clock.day)[A]["assessed_months"] == 1
    clock.day = date(2023, 1, 10)
    assert check(app, side, clock.day)[A]["assessed_months"] == 12


def test_a_doubling_across_the_new_year_versions_both_years(world):
    app, side, clock = world
    clock.day = date(2023, 2, 20)
    app.register_agency(REGULATOR, A, "Agency A", date(2021, 6, 1))
    first = app.record_deduction(REGULATOR, A, "D13", date(2022, 12, 20), "x").id
    app.record_deduction(REGULATOR, A, "D13", date(2023, 1, 10), "x")
    doubled = check(app, side, clock.day, 2023)[A]
    check(app, side, clock.day, 2022)
    app.withdraw_deduction(REGULATOR, first, "error")  # January's deduction no longer doubles
    assert check(app, side, clock.day, 2023)[A]["score"] > doubled["score"]
    check(app, side, clock.day, 2022)


def test_as_of_every_position_equals_a_fold_of_the_prefix(world):
    app, side, clock = world
    app.register_agency(REGULATOR, A, "Agency A", date(2021, 6, 1))
    app.record_deduction(REGULATOR, A, "D01", date(2022, 1, 12), "x")
    app.register_agency(REGULATOR, B, "Agency B", date(2022, 1, 20))
    clock.day = date(2022, 3, 3)
    session = app.hold_training_session(REGULATOR, "online", date(2022, 3, 1), "t",
                                        Decimal(2)).id
    app.record_attendance(REGULATOR, session, B, "S1", "name")
    app.record_provincial_evaluation(REGULATOR, A, 2022, Decimal(80))
    app.deregister_agency(REGULATOR, B, date(2022, 3, 2))
    head = side.runner.head()
    for position in range(0, head + 1):
        prefix = direct_fold(app, position)
        as_of = AsOf(position=position)
        _, day = side.as_of_reader.resolve(as_of)
        for code in (A, B):
            if code not in prefix.agencies:
                with pytest.raises(NotFound):
                    side.evaluation(code, 2022, as_of)
                continue
            for year in (2021, 2022, 2023):
                assert side.evaluation(code, year, as_of) == {**evaluation_resource(
                    prefix.agencies[code], year, day), "provisional": True}, (position, code)


def test_a_generation_built_before_rows_existed_answers_by_folding_the_log(world):
    app, side, clock = world
    app.register_agency(REGULATOR, A, "Agency A", date(2021, 6, 1))
    app.record_deduction(REGULATOR, A, "D01", date(2022, 1, 12), "x")
    side.refresh()
    gen = side.runner.active(ASSESSMENTS)[0]
    upgraded = ReadSide(app, today=clock)
    with side.engine.begin() as conn:  # as an upgrade finds it: no marker, no rows
        conn.execute(delete(t.versioned))
        conn.execute(delete(t.evaluation))
        conn.execute(delete(t.evaluation_history))
    app.record_deduction(REGULATOR, A, "D03", date(2022, 2, 1), "x")
    upgraded.refresh()
    spoil_states(upgraded)  # the fold's own cache: no reader goes back to it
    check(app, upgraded, clock.day)
    assert upgraded.assessed_evaluations(2022)[1] == {
        code: {k: v for k, v in ev.items() if k != "provisional"}
        for code, ev in expected(app, clock.day)[0].items() if ev["assessed_months"] >= 1}
    upgraded.rebuild(ASSESSMENTS, wait=True)
    new_gen = side.runner.active(ASSESSMENTS)[0]
    assert new_gen > gen
    with side.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.versioned).where(
            t.versioned.c.gen == new_gen)).scalar() == len(t.HISTORY) + len(t.VERSION_MARKS)
        assert conn.execute(select(func.count()).select_from(t.evaluation).where(
            t.evaluation.c.gen == new_gen)).scalar() == 1
    check(app, upgraded, clock.day)


def test_a_row_holds_each_month_from_the_day_it_was_recorded():
    agency = AgencyState(code=A, aggregate_id="x", name="A", registered_on=date(2021, 5, 1),
                         registered_at=None, registered_by="x", registered_position=1)
    row = version(agency, 2022, 7, date(2022, 3, 9))
    assert row["first_through"] == 3
    for through in range(0, 13):
        found = resource_from_row(row["first_through"], row["resource"], through)
        if through < 3:
            assert found is None
        else:
            today = date(2022, through, 1)
            assert found == evaluation_resource(agency, 2022, today)
    assert version(agency, 2021, 7, date(2022, 3, 9))["first_through"] == 12
    assert version(agency, 2023, 7, date(2022, 3, 9))["first_through"] == 0


@pytest.mark.parametrize("registered_on", [date(2020, 3, 5), date(2022, 1, 1), date(2022, 6, 30),
                                           date(2022, 12, 31), date(2023, 1, 1)])
@pytest.mark.parametrize("deregistered_on", [None, date(2021, 12, 31), date(2022, 1, 1),
                                             date(2022, 7, 14), date(2022, 12, 1),
                                             date(2023, 2, 2)])
def test_an_agency_year_without_facts_is_the_empty_years_evaluation(registered_on,
                                                                    deregistered_on):
    if deregistered_on is not None and deregistered_on < registered_on:
        return
    agency = AgencyState(code=A, aggregate_id="x", name="A", registered_on=registered_on,
                         registered_at=None, registered_by="x", registered_position=1,
                         deregistered_on=deregistered_on)
    for through in range(0, 13):
        today = date(2022, through, 1) if through else date(2021, 12, 31)
        assert empty_evaluation(A, "A", 2022, registered_on, deregistered_on, through) == \
            evaluation_resource(agency, 2022, today)
