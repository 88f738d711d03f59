"""Group commit: appends arriving together share one transaction; a refused one fails alone."""

from __future__ import annotations

import threading
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from eventsourcing.persistence import RecordConflictError

from ledger.domain.training import TrainingSession
from ledger.integrity.chain import as_uuid
from ledger.integrity.group_commit import Append, GroupCommit
from ledger.integrity.verify import verify
from ledger.receipts import AlreadyRecorded, Receipt, receipts_table
from ledger.storage import ensure_tables
from tests.integrity.conftest import EVENTS
from tests.integrity.tamper import rows

AT = datetime(2023, 2, 1, tzinfo=timezone.utc)


def new_session(ledger, topic: str) -> list:
    """The stored events of a training session not saved yet."""
    session = TrainingSession.hold("online", date(2023, 1, 5), topic, Decimal("2"),
                                   date(2023, 2, 1), "li.regulator")
    return [ledger.mapper.to_stored_event(e) for e in session.collect_events()]


def test_a_group_keeps_every_append_but_the_refused_ones(ledger, log):
    ensure_tables(ledger.engine, receipts_table)
    first = ledger.recorder.select_events(as_uuid(rows(ledger.engine)[0]["originator_id"]))
    key = Receipt("key-1", "li.regulator", "r", AT)
    repeat = Receipt("key-1", "li.regulator", "r", AT)
    kept_a = Append(new_session(ledger, "a"), None)
    clash = Append(first, None)  # versions already stored: a concurrent writer's conflict
    kept_b = Append(new_session(ledger, "b"), key)
    repeated = Append(new_session(ledger, "c"), repeat)  # the same Idempotency-Key again
    kept_c = Append(new_session(ledger, "d"), None)

    ledger.recorder._commit_group([kept_a, clash, kept_b, repeated, kept_c])

    assert isinstance(clash.error, RecordConflictError) and clash.positions is None
    assert isinstance(repeated.error, AlreadyRecorded) and repeated.positions is None
    kept = [kept_a, kept_b, kept_c]
    assert all(a.error is None for a in kept)
    positions = [p for a in kept for p in a.positions]
    assert positions == sorted(positions) and positions[0] > log[-1]
    stored = rows(ledger.engine)
    assert [r["id"] for r in stored] == log + positions  # nothing of the refused ones
    assert [r["seq"] for r in stored] == list(range(1, EVENTS + 4))
    report = verify(ledger.engine)
    assert report.verified, report.problems
    with ledger.engine.connect() as conn:
        receipts = conn.execute(sa.select(receipts_table.c.idempotency_key,
                                          receipts_table.c.position)).all()
    assert receipts == [("key-1", kept_b.positions[-1])]


def test_a_failed_commit_fails_every_append_of_its_group():
    def broken(group):
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        GroupCommit(broken).append([], None)


def test_threads_arriving_during_a_commit_are_committed_together_each_with_its_answer():
    groups, first_in = [], threading.Event()
    release = threading.Event()

    def commit_group(group):
        groups.append([a.receipt for a in group])
        if len(groups) == 1:
            first_in.set()
            release.wait(10)  # the first commit is slow: the others queue meanwhile
        for a in group:
            if a.receipt == "refused":
                a.error = RecordConflictError("taken")
            else:
                a.positions = [len(groups) * 100 + len(a.receipt)]

    committer = GroupCommit(commit_group)
    answers: dict[str, object] = {}

    def append(name: str) -> None:
        try:
            answers[name] = committer.append([], name)
        except RecordConflictError as error:
            answers[name] = error

    leader = threading.Thread(target=append, args=("lead",))
    leader.start()
    assert first_in.wait(10)
    others = [threading.Thread(target=append, args=(n,)) for n in ("x", "refused", "yy")]
    for t in others:
        t.start()
    while len(committer._waiting) < 3:  # all three queued behind the first commit
        threading.Event().wait(0.01)
    release.set()
    for t in [leader, *others]:
        t.join(10)

    assert groups[0] == ["lead"]
    assert sorted(groups[1]) == ["refused", "x", "yy"] and len(groups) == 2
    assert answers["lead"] == [104]
    assert answers["x"] == [201] and answers["yy"] == [202]
    assert isinstance(answers["refused"], RecordConflictError)


def test_a_group_without_refusals_is_appended_at_once_each_with_its_positions(ledger, log):
    ensure_tables(ledger.engine, receipts_table)
    appends = [Append(new_session(ledger, t), Receipt(f"k-{t}", "li.regulator", t, AT))
               for t in ("a", "b", "c")]
    ledger.recorder._commit_group(appends)
    stored = rows(ledger.engine)
    assert [r["id"] for r in stored] == log + [p for a in appends for p in a.positions]
    assert [len(a.positions) for a in appends] == [1, 1, 1]
    for append, row in zip(appends, stored[-3:]):  # each answered with its own event's row
        assert as_uuid(row["originator_id"]) == append.events[0].originator_id
    assert verify(ledger.engine).verified
    with ledger.engine.connect() as conn:
        receipts = dict(conn.execute(sa.select(receipts_table.c.idempotency_key,
                                               receipts_table.c.position)).all())
    assert receipts == {f"k-{t}": a.positions[0] for t, a in zip("abc", appends)}


def test_threads_of_one_ledger_writing_one_agency_together_are_all_kept(ledger, monkeypatch):
    """As a server's threads do: their appends are grouped, those that took the same
    version are refused alone, retried, and kept; the chain runs on."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.conftest import REGULATOR

    groups = []
    commit_group = ledger.recorder._commit_group
    monkeypatch.setattr(ledger.recorder, "_commit_group",
                        lambda group: groups.append(len(group)) or commit_group(group))
    code = "91341800H9EH9J1GRF"
    ledger.register_agency(REGULATOR, code, "敬亭招标", date(2022, 1, 1))
    start = threading.Barrier(8)

    def rate(n: int) -> int:
        start.wait()
        return ledger.record_purchaser_rating(REGULATOR, code, date(2022, 5, 1),
                                              f"purchaser {n}", f"P-{n}",
                                              Decimal(60 + n)).position

    with ThreadPoolExecutor(8) as pool:
        positions = list(pool.map(rate, range(8)))

    assert len(set(positions)) == 8
    assert ledger.agency(code).rating_count == 8
    assert verify(ledger.engine).verified
    assert sum(groups) >= 9  # every append went through the group commit
