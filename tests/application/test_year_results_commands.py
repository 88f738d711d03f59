"""The year's results commands on each backend: the one-notice and one-objection rules hold
when several writers give the command at once, and a refusal records nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from threading import Barrier

import pytest

from ledger.application import Ledger
from ledger.domain.errors import InvalidInput, RuleViolation
from ledger.projections.queries.queries import ReadSide
from tests.conftest import REGULATOR, agency_principal

A, B = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG"
WRITERS = 6


@pytest.fixture
def year(database_url):
    ledger = Ledger(url=database_url, today=lambda: date(2023, 1, 20))
    reads = ReadSide(ledger, today=lambda: date(2023, 1, 20))
    for code in (A, B):
        ledger.register_agency(REGULATOR, code, "代理机构", date(2021, 3, 1))
    yield database_url, ledger, reads
    reads.close()
    ledger.close()


def at_once(work) -> list[object]:
    start = Barrier(WRITERS)

    def one(n):
        start.wait()
        try:
            return work(n)
        except RuleViolation as refused:
            return refused
    with ThreadPoolExecutor(WRITERS) as pool:
        return list(pool.map(one, range(WRITERS)))


def test_one_notice_per_year_when_regulators_open_it_at_once(year):
    url, ledger, _ = year
    writers = [Ledger(url=url, today=lambda: date(2023, 1, 20)) for _ in range(WRITERS)]
    sides = [ReadSide(w, today=lambda: date(2023, 1, 20)) for w in writers]
    try:
        results = at_once(lambda n: writers[n].open_notice(REGULATOR, 2022, date(2023, 1, 19),
                                                           sides[n]))
    finally:
        for side, writer in zip(sides, writers):
            side.close()
            writer.close()
    refused = [r for r in results if isinstance(r, RuleViolation)]
    assert len(refused) == WRITERS - 1
    assert all("one notice per year" in r.message for r in refused)
    events = ledger.recorder.select_notifications(1, 100)
    assert [e.topic.rsplit(".", 1)[-1] for e in events].count("NoticeOpened") == 1


def test_one_objection_per_agency_when_filed_at_once(year):
    _, ledger, reads = year
    ledger.open_notice(REGULATOR, 2022, date(2023, 1, 19), reads)
    results = at_once(lambda n: ledger.file_objection(agency_principal(A), 2022, f"grounds {n}"))
    assert sum(not isinstance(r, RuleViolation) for r in results) == 1
    assert len(reads.objections(2022)) == 1


def test_a_refused_objection_records_nothing(year):
    _, ledger, reads = year
    ledger.open_notice(REGULATOR, 2022, date(2023, 1, 19), reads)
    before = ledger.recorder.max_notification_id()
    with pytest.raises(InvalidInput, match="grounds"):
        ledger.file_objection(agency_principal(A), 2022, "bad \x00 text")
    with pytest.raises(InvalidInput, match="filed_on"):
        ledger.file_objection(agency_principal(A), 2022, "x", filed_on=date(2023, 1, 19))
    assert ledger.recorder.max_notification_id() == before
