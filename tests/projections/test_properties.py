"""Property: incremental projection == full rebuild == direct fold, and as-of == prefix fold."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.domain.credit_code import check_character
from ledger.domain.errors import LedgerError
from ledger.projections.model.codec import agency_from_json, agency_to_json
from ledger.projections.model.fold import Changes, LedgerModel
from ledger.projections.queries.queries import AsOf, ReadSide
from ledger.projections.store.runner import ASSESSMENTS, EVENT_INDEX
from ledger.projections.model.views import evaluation_resource, month_resource, year_months
from tests.projections.support import snapshot
from tests.scenario import REGULATOR, REVIEWER

CODES = [p + check_character(p) for p in ("91341800AAAAAAAA1", "91341800BBBBBBBB2",
                                          "91341800CCCCCCCC3")]
TODAY = date(2026, 11, 27)
START = date(2021, 12, 1)
days = st.integers(min_value=0, max_value=420).map(lambda n: START + timedelta(days=n))
code = st.sampled_from(CODES)
pick = st.integers(min_value=0, max_value=50)

near = st.integers(min_value=31, max_value=200).map(lambda n: START + timedelta(days=n))
operation = st.one_of(
    st.tuples(st.just("deduct"), code, st.sampled_from(["D01", "D13"]), near),
    st.tuples(st.just("dispute"), pick, st.integers(0, 8)),
    st.tuples(st.just("register"), code, days),
    st.tuples(st.just("deduct"), code, st.sampled_from(["D01", "D03", "D05", "D13", "D17"]),
              days),
    st.tuples(st.just("deduct"), code, st.sampled_from(["D01", "D13"]), days),
    st.tuples(st.just("withdraw"), pick),
    st.tuples(st.just("rectify"), pick, st.integers(0, 30)),
    st.tuples(st.just("dispute"), pick, st.integers(0, 8)),
    st.tuples(st.just("resolve"), pick, st.sampled_from(["upheld", "overturned", "reduced"]),
              st.sampled_from(["0.5", "1", "1.5", "2.5", "5"])),
    st.tuples(st.just("session"), st.sampled_from(["lecture", "online", "onsite"]), days),
    st.tuples(st.just("attend"), pick, code, st.sampled_from(["S1", "S2", "S3", "S4", "S5"])),
    st.tuples(st.just("second"), code, st.sampled_from(["S1", "S2"]), days,
              st.integers(1, 60)),
    st.tuples(st.just("provincial"), code, st.integers(0, 100)),
    st.tuples(st.just("publish"), st.sampled_from(["2022-01", "2022-02", "2022-07"])),
    st.tuples(st.just("deregister"), code, days),
    st.tuples(st.just("rate"), code, days, st.sampled_from(["60", "85.5", "100"])),
)


def run(app: Ledger, ops: list[tuple]) -> None:
    """Apply operations; the ledger refuses invalid ones, as it would refuse a person."""
    deductions: list[str] = []
    disputes: list[str] = []
    sessions: list[str] = []
    for op in ops:
        kind = op[0]
        try:
            if kind == "register":
                app.register_agency(REGULATOR, op[1], f"Agency {op[1][-4:]}", op[2])
            elif kind == "deduct":
                deductions.append(app.record_deduction(REGULATOR, op[1], op[2], op[3], "x").id)
            elif kind == "withdraw" and deductions:
                app.withdraw_deduction(REGULATOR, deductions[op[1] % len(deductions)], "error")
            elif kind == "rectify" and deductions:
                d = app.deduction(deductions[op[1] % len(deductions)])
                app.record_rectification(REGULATOR, str(d.id),
                                         d.found_on + timedelta(days=op[2]))
            elif kind == "dispute" and deductions:
                d = app.deduction(deductions[op[1] % len(deductions)])
                disputes.append(app.file_dispute(
                    REGULATOR, str(d.id), "grounds", d.notified_on + timedelta(days=op[2])).id)
            elif kind == "resolve" and disputes:
                dispute_id = disputes[op[1] % len(disputes)]
                d = app.deduction_of_dispute(dispute_id)
                points = Decimal(op[3]) if op[2] == "reduced" else None
                app.resolve_dispute(REVIEWER, dispute_id, op[2], "because",
                                    d.dispute.filed_on + timedelta(days=3), points)
            elif kind == "session":
                sessions.append(app.hold_training_session(REGULATOR, op[1], op[2], "t",
                                                          Decimal(2)).id)
            elif kind == "attend" and sessions:
                app.record_attendance(REGULATOR, sessions[op[1] % len(sessions)], op[2], op[3],
                                      "name")
            elif kind == "second":
                sid = app.start_secondment(REGULATOR, op[1], op[2], "name", "dept", op[3]).id
                app.complete_secondment(REGULATOR, sid, op[3] + timedelta(days=op[4]))
            elif kind == "provincial":
                app.record_provincial_evaluation(REGULATOR, op[1], 2022, Decimal(op[2]))
            elif kind == "publish":
                app.publish_month(REGULATOR, op[1], date(2022, 12, 31))
            elif kind == "deregister":
                app.deregister_agency(REGULATOR, op[1], op[2])
            elif kind == "rate":
                app.record_purchaser_rating(REGULATOR, op[1], op[2], "buyer", "P-1",
                                            Decimal(op[3]))
        except LedgerError:
            pass


def direct_fold(app: Ledger, upto: int) -> LedgerModel:
    model = LedgerModel()
    if upto == 0:
        return model
    for n in app.recorder.select_notifications(start=1, limit=100000, stop=upto):
        model.apply(n.id, app.mapper.to_domain_event(n), Changes())
    return model


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(registered=st.lists(st.integers(0, 90), min_size=3, max_size=3),
       ops=st.lists(operation, min_size=15, max_size=45), chunk=st.integers(1, 6),
       cut=st.floats(0, 1))
def test_incremental_equals_rebuild_equals_fold_and_as_of_equals_prefix(registered, ops, chunk,
                                                                        cut):
    ops = [("register", c, START + timedelta(days=n)) for c, n in zip(CODES, registered)] + ops
    with tempfile.TemporaryDirectory() as tmp:
        app = Ledger(url=f"sqlite:///{Path(tmp) / 'l.sqlite3'}", today=lambda: TODAY)
        read_side = ReadSide(app, today=lambda: TODAY)
        # Incremental: the read side catches up every few operations.
        for start in range(0, len(ops), chunk):
            run(app, ops[start:start + chunk])
            read_side.refresh()
        head = read_side.runner.head()
        codes = [c for c in CODES if _exists(read_side, c)]
        incremental = snapshot(read_side, codes, [2022])
        # Direct fold of the whole log, with nothing persisted.
        model = direct_fold(app, head)
        for c in codes:
            # The figures the fold kept while folding equal a computation from scratch.
            uncached = agency_from_json(agency_to_json(model.agencies[c]))
            for m in year_months(2022):
                assert incremental[f"month {c} {m}"] == month_resource(
                    model.agencies[c], m, TODAY) == month_resource(uncached, m, TODAY)
            # These histories open no notice, so every evaluation is provisional.
            assert incremental[f"evaluation {c} 2022"] == {**evaluation_resource(
                model.agencies[c], 2022, TODAY), "provisional": True}
        # Full rebuild.
        read_side.rebuild(ASSESSMENTS, wait=True)
        read_side.rebuild(EVENT_INDEX, wait=True)
        assert snapshot(read_side, codes, [2022]) == incremental
        # As of a position: the fold of the prefix up to it.
        position = int(cut * head)
        prefix = direct_fold(app, position)
        for c in codes:
            if c not in prefix.agencies:
                continue
            as_of = AsOf(position=position)
            _, as_of_day = read_side.as_of_reader.resolve(as_of)
            for m in year_months(2022):
                assert read_side.month(c, m, as_of) == month_resource(
                    prefix.agencies[c], m, as_of_day)
            assert read_side.evaluation(c, 2022, as_of) == {**evaluation_resource(
                prefix.agencies[c], 2022, as_of_day), "provisional": True}
        app.close()


def _exists(read_side: ReadSide, c: str) -> bool:
    try:
        read_side.agency(c)
        return True
    except LedgerError:
        return False
