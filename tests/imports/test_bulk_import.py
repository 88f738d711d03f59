"""Bulk import through Ledger.batch(): the benchmark's exchange file, refused rows, the chain."""

from __future__ import annotations

from collections import Counter
from datetime import date

from bench.imports import exchange_rows, workbook
from ledger.application import Ledger
from ledger.domain.principals import Principal
from ledger.imports.run import import_file
from ledger.integrity.verify import verify
from tests.integrity.tamper import rows

IMPORTER = Principal("li.regulator", "regulator")
A, B = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG"


def topics(ledger: Ledger) -> Counter:
    return Counter(r["topic"].rsplit(".", 1)[-1] for r in rows(ledger.engine))


def test_the_benchmark_exchange_file_imports_whole_and_the_chain_verifies(ledger):
    sheets, expected = exchange_rows(1500)
    report = import_file(ledger, IMPORTER, workbook(sheets), "exchange.xlsx")
    assert report.refused == [] and report.recorded
    assert report.events == expected == ledger.recorder.max_notification_id()
    assert report.position == expected
    kinds = topics(ledger)
    assert kinds["AgencyRegistered"] == len(sheets["agencies"])
    assert kinds["DeductionRecorded"] == len(sheets["deductions"])
    assert kinds["AttendanceRecorded"] == len(sheets["attendance"])
    assert kinds["TrainingSessionHeld"] == len({r[0] for r in sheets["attendance"]})
    assert kinds["RectificationRecorded"] and kinds["DeductionWithdrawn"]
    checked = verify(ledger.engine)
    assert checked.verified and checked.events == expected


SECONDMENTS = ("统一社会信用代码,人员编号,姓名,部门,开始日期,结束日期\n"
               f"{A},S-1,周杰,采购处,2022-02-01,2022-03-01\n"
               f"{A},S-2,吴婷,采购处,2022-04-01,2022-03-15\n"  # ends before it starts: refused
               f"{A},S-3,郑敏,采购处,2022-05-01,\n").encode()


def test_a_row_refused_half_way_leaves_no_trace_and_later_rows_see_the_rest(ledger):
    ledger.register_agency(IMPORTER, A, "敬亭招标", date(2022, 1, 1))
    report = import_file(ledger, IMPORTER, SECONDMENTS, "sec.csv", accept_valid=True)
    assert [r.row for r in report.refused] == [3] and report.events == 3
    agency = ledger.agency(A)
    # Row 3's start was accepted, then its end refused: the start is undone with it, so
    # row 4's secondment is the agency's second, not its third.
    assert [(s.staff_ref, s.ended_on) for s in agency.secondments.values()] == [
        ("S-1", date(2022, 3, 1)), ("S-3", None)]
    assert list(agency.secondments) == [f"{A}-S1", f"{A}-S2"]
    assert verify(ledger.engine).verified


def test_by_default_a_refused_row_records_nothing(ledger):
    ledger.register_agency(IMPORTER, A, "敬亭招标", date(2022, 1, 1))
    before = ledger.recorder.max_notification_id()
    report = import_file(ledger, IMPORTER, SECONDMENTS, "sec.csv")
    assert not report.recorded and [r.row for r in report.refused] == [3]
    assert ledger.recorder.max_notification_id() == before
    assert ledger.agency(A).secondments == {}
