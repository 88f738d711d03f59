"""Property: the readers that read rows (not the fold's stored state, `rm_agency.state`) answer
what the fold of the log answers, current and as of random positions, on both backends.

The stored states are overwritten with text no decoder accepts before the reads, so a reader
that went back to them fails here instead of passing on stale or right-by-chance figures.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from ledger.application import Ledger
from ledger.domain.catalogue import draft_version
from ledger.domain.errors import NotFound
from ledger.projections.queries.queries import AsOf, ReadSide
from ledger.projections.queries.read_agency import agency_resource, secondment_resource
from ledger.projections.queries.read_overview import annual_rows
from ledger.projections.queries.state_rows import agencies_from_rows
from ledger.projections.queries.whatif import what_if_rows
from ledger.projections.store import tables as t
from ledger.projections.model.views import (
    deduction_effect, deduction_resource, dispute_resource, evaluation_resource, month_resource,
    rectification_state, year_months,
)
from tests.conftest import reset_postgres
from tests.projections.test_properties import CODES, START, TODAY, direct_fold, operation, run

BACKENDS = ["sqlite", "postgresql"]
YEARS = (2021, 2022, 2023)


def spoil_states(side: ReadSide) -> None:
    """Make every stored fold state undecodable (queries must not read it)."""
    with side.engine.begin() as conn:
        conn.execute(update(t.agency).values(state="not the fold's state"))


def as_an_older_release(app: Ledger, kinds: tuple[str, ...], tables: tuple) -> ReadSide:
    """The store as a release before `kinds` left it (no marker, no rows in `tables`),
    which `ledger verify` still finds matching (rows it does not hold are not compared), and
    a ReadSide opened on it with the fold's stored states made unreadable."""
    from ledger.integrity.readcheck import compare_read_models
    from sqlalchemy import delete

    with app.engine.begin() as conn:
        conn.execute(delete(t.versioned).where(t.versioned.c.kind.in_(kinds)))
        for table in tables:
            conn.execute(delete(table))
    assert compare_read_models(app).match is True
    upgraded = ReadSide(app, today=lambda: TODAY)
    spoil_states(upgraded)  # the log is folded, not the fold's stored state read
    return upgraded


def current_reads(side: ReadSide, model, codes: list[str]) -> None:
    """Every current reader that reads rows equals the figure computed from the fold."""
    for code in CODES:
        if code not in model.agencies:
            with pytest.raises(NotFound):
                side.agency(code)
            continue
        a = model.agencies[code]
        assert side.agency(code) == agency_resource(code, a)
        found = sorted(a.deductions.values(), key=lambda d: d.position)
        assert side.deductions(code) == [deduction_resource(d, deduction_effect(a, d))
                                         for d in found]
        for d in found:
            assert side.deduction(d.id) == deduction_resource(d, deduction_effect(a, d))
            if d.dispute is not None:
                assert side.dispute(d.dispute.id) == dispute_resource(d, TODAY)
        for month in year_months(2022):
            assert side.month(code, month) == month_resource(a, month, TODAY), month
        records = side.staff_records(code)
        assert records["attendance"] == [
            {"session_id": x.session_id, "kind": x.kind, "held_on": x.held_on,
             "staff_ref": x.staff_ref, "staff_name": x.staff_name} for x in a.attendance]
        assert records["secondments"] == [dict(s.__dict__) for s in a.secondments.values()]
        for s in a.secondments.values():
            assert side.secondment(s.id) == secondment_resource(code, s)
        for year in YEARS:
            assert side.evaluation(code, year) == {
                **evaluation_resource(a, year, TODAY), "provisional": True}, year
            folded = evaluation_resource(a, year, TODAY)
            assert side.current_evaluation(code, year)[1] == folded
            # Field order too: a year's notice keeps these dicts in its event as they are.
            assert list(side.current_evaluation(code, year)[1]) == list(folded)
            assert side.deduction_recorders(code, year) == {
                d.recorded_by for d in a.deductions.values() if d.found_on.year == year}
    every = [(a, d) for a in model.agencies.values() for d in a.deductions.values()
             if d.dispute is not None]
    disputes = sorted((dispute_resource(d, TODAY) for _, d in every),
                      key=lambda r: r["position"])
    assert side.disputes() == disputes
    for status in ("open", "upheld", "overturned", "reduced"):
        assert side.disputes(status=status) == [r for r in disputes if r["status"] == status]
    for code in codes:
        assert side.disputes(agency=code) == [r for r in disputes if r["agency"] == code]
    for year in YEARS:
        assessed = {}
        for code in sorted(model.agencies):
            ev = evaluation_resource(model.agencies[code], year, TODAY)
            if ev["assessed_months"] >= 1:
                assessed[code] = ev
        assert side.assessed_evaluations(year)[1] == assessed
    gen = side._gen()
    with side.engine.connect() as conn:  # every fact of every agency, as the fold holds it
        assert agencies_from_rows(conn, gen, CODES) == model.agencies


DRAFT = draft_version(START + timedelta(days=60), [
    {"code": "D01", "points": 5, "serious": True, "rectifiable": False},
    {"code": "D13", "points": 0.5, "serious": False, "rectifiable": True},
    {"code": "D17", "points": 2, "serious": False, "rectifiable": True}])


def what_if_reads(side: ReadSide, app: Ledger, head: int) -> None:
    """The what-if preview (from rows) equals the fold of the log with the draft's terms."""
    for month, year in (("2022-02", None), ("2022-07", None), (None, 2022), (None, 2023)):
        folded = direct_fold(app, head)
        answer = side.what_if_standings(DRAFT, month=month, year=year)
        assert answer["position"] == head
        assert answer["rows"] == what_if_rows(list(folded.agencies.values()), DRAFT, month,
                                              year, TODAY), (month, year)


def as_of_reads(side: ReadSide, app: Ledger, position: int) -> None:
    """As-of annual standings, evaluations, disputes, rectifications and training statistics
    equal the fold of the log up to `position`."""
    prefix = direct_fold(app, position)
    as_of = AsOf(position=position)
    _, day = side.as_of_reader.resolve(as_of)
    as_of_queues(side, prefix, as_of, day)
    for year in YEARS:
        sessions = {s.id: s.kind for s in prefix.sessions.values() if s.held_on.year == year}
        people = [(x.session_id, code) for code, a in prefix.agencies.items()
                  for x in a.attendance if x.session_id in sessions]
        kinds = sorted(set(sessions.values()))
        assert side.training_statistics(year, as_of) == {
            "year": year,
            "sessions": {k: list(sessions.values()).count(k) for k in kinds},
            "agencies": len({c for _, c in people}), "person_times": len(people),
            "person_times_by_kind": {k: n for k in kinds
                                     if (n := [sessions[i] for i, _ in people].count(k))},
        }, (position, year)
    for year in YEARS:
        rows = annual_rows(list(prefix.agencies.values()), year, day)
        found = side.annual_standings(year, as_of)
        assert found["rows"] == rows and found["total"] == len(rows), (position, year)
        assert side.annual_standings(year, as_of, limit=1, offset=1)["rows"] == rows[1:2]
        for code in CODES:
            if code not in prefix.agencies:
                with pytest.raises(NotFound):
                    side.evaluation(code, year, as_of)
                continue
            assert side.evaluation(code, year, as_of) == {**evaluation_resource(
                prefix.agencies[code], year, day), "provisional": True}, (position, code)


def as_of_queues(side: ReadSide, prefix, as_of: AsOf, day) -> None:
    """The dispute and rectification queues as of a position equal the fold's up to it."""
    every = [(a, d) for a in prefix.agencies.values() for d in a.deductions.values()]
    disputes = sorted((dispute_resource(d, day) for _, d in every if d.dispute is not None),
                      key=lambda r: r["position"])
    rectifications = []
    for a, d in every:
        r = deduction_resource(d, deduction_effect(a, d))
        r["rectification_state"] = rectification_state(r, day)
        if r["rectification_state"] != "none":
            rectifications.append(r)
    rectifications.sort(key=lambda d: (d["rectification_due"], d["agency"], d["position"]))
    assert side.disputes(as_of=as_of) == disputes
    assert side.rectifications(as_of=as_of) == rectifications
    for status in ("open", "upheld", "overturned", "reduced"):
        assert side.disputes(status=status, as_of=as_of) == [
            r for r in disputes if r["status"] == status]
    for state in ("open", "overdue", "on_time", "late"):
        assert side.rectifications(state, as_of=as_of) == [
            r for r in rectifications if r["rectification_state"] == state]
    for code in CODES:
        if code not in prefix.agencies:
            with pytest.raises(NotFound):
                side.disputes(agency=code, as_of=as_of)
            with pytest.raises(NotFound):
                side.rectifications(agency=code, as_of=as_of)
            continue
        assert side.disputes(agency=code, as_of=as_of) == [
            r for r in disputes if r["agency"] == code]
        assert side.rectifications(agency=code, as_of=as_of) == [
            r for r in rectifications if r["agency"] == code]


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(registered=st.lists(st.integers(0, 400), min_size=3, max_size=3),
       ops=st.lists(operation, min_size=15, max_size=45), chunk=st.integers(1, 6),
       cuts=st.lists(st.floats(0, 1), min_size=1, max_size=3))
def test_row_readers_equal_the_fold(backend, request, registered, ops, chunk, cuts):
    ops = [("register", c, START + timedelta(days=n)) for c, n in zip(CODES, registered)] + ops
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "postgresql":
            url = request.getfixturevalue("postgres_server")
            reset_postgres(url)
        else:
            url = f"sqlite:///{Path(tmp) / 'l.sqlite3'}"
        app = Ledger(url=url, today=lambda: TODAY)
        side = ReadSide(app, today=lambda: TODAY)
        try:
            for start in range(0, len(ops), chunk):  # incremental: rows replaced batch by batch
                run(app, ops[start:start + chunk])
                side.refresh()
            head = side.runner.head()
            model = direct_fold(app, head)
            spoil_states(side)
            current_reads(side, model, [c for c in CODES if c in model.agencies])
            what_if_reads(side, app, head)
            for position in sorted({int(c * head) for c in cuts} | {0, head}):
                as_of_reads(side, app, position)
        finally:
            side.close()
            app.close()


def test_a_generation_built_before_secondment_rows_folds_the_log(database_url):
    from ledger.projections.store.runner import ASSESSMENTS
    from sqlalchemy import func, select
    from tests.scenario import REGULATOR

    app = Ledger(url=database_url, today=lambda: TODAY)
    side = ReadSide(app, today=lambda: TODAY)
    try:
        code = CODES[0]
        app.register_agency(REGULATOR, code, "Agency A", START)
        first = app.start_secondment(REGULATOR, code, "S1", "one", "dept", START).id
        app.complete_secondment(REGULATOR, first, START + timedelta(days=20))
        second = app.start_secondment(REGULATOR, code, "S2", "two", "dept", START).id
        records = side.staff_records(code)
        assert [s["id"] for s in records["secondments"]] == [first, second]
        resource = side.secondment(first)
        assert resource["days"] == 21
        gen = side.runner.active(ASSESSMENTS)[0]
        upgraded = as_an_older_release(app, ("secondment",),
                                       (t.secondment, t.HISTORY["secondment"]))
        assert upgraded.staff_records(code) == records
        assert upgraded.secondment(first) == resource
        upgraded.rebuild(ASSESSMENTS, wait=True)
        assert upgraded.runner.active(ASSESSMENTS)[0] != gen
        with upgraded.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(t.secondment)).scalar() == 2
        spoil_states(upgraded)
        assert upgraded.staff_records(code) == records
        upgraded.close()
    finally:
        side.close()
        app.close()


def test_as_of_queues_and_training_at_every_position(database_url):
    """At every position of a log where a session's attendance, a deduction's dispute, its
    decision and rectification come after what they change: the as-of readers equal the fold
    of the log up to it (the stored states unreadable)."""
    app = Ledger(url=database_url, today=lambda: TODAY)
    side = ReadSide(app, today=lambda: TODAY)
    try:
        day = START + timedelta(days=40)
        run(app, [("register", code, START) for code in CODES]
            + [("session", "lecture", day), ("attend", 0, CODES[0], "S1"),
               ("deduct", CODES[0], "D13", day), ("deduct", CODES[1], "D01", day),
               ("dispute", 0, 1), ("attend", 0, CODES[1], "S2"), ("resolve", 0, "reduced", "1"),
               ("rectify", 1, 5), ("session", "online", day), ("attend", 1, CODES[0], "S3"),
               ("withdraw", 0)])
        side.refresh()
        spoil_states(side)
        for position in range(side.runner.head() + 1):
            as_of_reads(side, app, position)
    finally:
        side.close()
        app.close()


def test_a_generation_built_before_fact_rows_folds_the_log_for_what_if(database_url):
    from tests.scenario import REGULATOR

    app = Ledger(url=database_url, today=lambda: TODAY)
    side = ReadSide(app, today=lambda: TODAY)
    try:
        a, b = CODES[0], CODES[1]
        for code in (a, b):
            app.register_agency(REGULATOR, code, f"Agency {code[-4:]}", START)
        app.record_deduction(REGULATOR, a, "D01", START + timedelta(days=70), "x")
        app.record_deduction(REGULATOR, b, "D13", START + timedelta(days=75), "x")
        app.record_purchaser_rating(REGULATOR, a, START + timedelta(days=80), "buyer", "P1",
                                    Decimal(90))
        app.record_provincial_evaluation(REGULATOR, b, 2022, Decimal(70))
        asked = ({"month": "2022-02"}, {"year": 2022})
        answers = [side.what_if_standings(DRAFT, **kwargs) for kwargs in asked]
        assert any(row["delta"] != 0 for row in answers[1]["rows"])
        upgraded = as_an_older_release(app, ("rating", "provincial", "terms"), (
            t.HISTORY["rating"], t.HISTORY["provincial"], t.provincial, t.HISTORY["terms"]))
        assert [upgraded.what_if_standings(DRAFT, **kwargs) for kwargs in asked] == answers
        upgraded.close()
    finally:
        side.close()
        app.close()
