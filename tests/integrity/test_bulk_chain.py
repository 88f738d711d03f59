"""The bulk write path keeps the chain: canonical states hashed as stored, batches, conflicts."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from ledger.application import Ledger
from ledger.domain.agency import Agency
from ledger.domain.errors import ConcurrentChange
from ledger.integrity.chain import CanonicalStoredEvent, canonical_json, link_hash, link_hash_of
from ledger.integrity.verify import verify
from tests.conftest import REGULATOR
from tests.integrity.tamper import rows

A, B = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG"
TODAY = date(2023, 6, 30)
AWKWARD = ['quote " and backslash \\', "控制字符\t与换行\n\r", "\u2028\u2029 separators",
           "emoji 🧾 and é", "/slash/ <tag> &amp;"]


@pytest.fixture
def app(database_url):
    ledger = Ledger(url=database_url, today=lambda: TODAY)
    yield ledger
    ledger.close()


def assert_chain_intact(ledger: Ledger, events: int) -> None:
    report = verify(ledger.engine)
    assert report.verified and report.problems == () and report.events == events


def test_the_mapper_writes_canonical_state_and_the_fast_hash_is_the_chain_hash(app):
    with app.batch():
        app.register_agency(REGULATOR, A, AWKWARD[0], date(2022, 1, 1))
        app.register_agency(REGULATOR, B, AWKWARD[4], date(2022, 1, 1))
        app.record_deduction(REGULATOR, A, "D01", date(2022, 3, 1), AWKWARD[1],
                             project_ref=AWKWARD[3])
        app.hold_training_session(REGULATOR, "lecture", date(2022, 4, 1), AWKWARD[2],
                                  Decimal("2.5"))
        events = list(app._batch.current.events)
    for event in events:
        stored = app.mapper.to_stored_event(event)
        assert type(stored) is CanonicalStoredEvent
        payload = json.loads(stored.state)
        assert stored.state == canonical_json(payload)  # canonical, byte for byte
        fast = link_hash_of(seq=7, position=9, originator_id=stored.originator_id,
                            originator_version=stored.originator_version, topic=stored.topic,
                            payload_json=stored.state.decode(), recorded_at=stored.recorded_at,
                            recorded_by=stored.recorded_by, prev_hash="ab" * 32)
        assert fast == link_hash(seq=7, position=9, originator_id=stored.originator_id,
                                 originator_version=stored.originator_version,
                                 topic=stored.topic, state=stored.state, prev_hash="ab" * 32)
        assert app.mapper.to_domain_event(stored).__dict__ == event.__dict__
    assert_chain_intact(app, len(events))


def test_an_event_with_a_dict_field_is_hashed_from_its_decoding(app):
    app.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
    # Integer keys become text and sort differently once decoded: not canonical as written.
    evidence = {"files": ["a.pdf"], "pages": {1: "p1", 10: "p10", 2: "p2"}}
    with app.batch():
        app.record_deduction(REGULATOR, A, "D01", date(2022, 3, 1), "late", evidence=evidence)
        event = app._batch.current.events[-1]
    assert type(app.mapper.to_stored_event(event)) is not CanonicalStoredEvent
    assert_chain_intact(app, 2)


def test_flushes_save_as_they_go_and_the_chain_verifies(app):
    with app.batch() as batch:
        app.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
        first = batch.flush()
        assert len(first) == 1 and first[0].position > 0
        ded = app.record_deduction(REGULATOR, A, "D01", date(2022, 3, 1), "late")
        app.record_rectification(REGULATOR, ded.id, date(2022, 3, 4))
        assert len(batch.flush()) == 2
        app.register_agency(REGULATOR, B, "宛陵项目", date(2022, 1, 1))
    assert len(batch.recorded) == 1 and batch.recorded[0].position > first[0].position
    assert app.deduction(ded.id).rectified_on == date(2022, 3, 4)
    assert_chain_intact(app, 4)


def test_aggregates_unused_for_keep_flushes_are_let_go(app):
    with app.batch(keep=1) as batch:
        app.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
        app.register_agency(REGULATOR, B, "宛陵项目", date(2022, 1, 1))
        batch.flush()
        app.record_deduction(REGULATOR, A, "D01", date(2022, 3, 1), "late")  # uses A only
        batch.flush()
        kept = set(batch.aggregates)
    assert app.agency(A).id in kept and app.agency(B).id not in kept


def test_a_stale_kept_aggregate_makes_its_flush_record_nothing(app, database_url):
    app.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
    other = Ledger(url=database_url, today=lambda: TODAY)
    try:
        with pytest.raises(ConcurrentChange):
            with app.batch() as batch:
                app.record_purchaser_rating(REGULATOR, A, date(2022, 2, 1), "采购人1", "P1",
                                            Decimal(90))
                app.hold_training_session(REGULATOR, "online", date(2022, 2, 2), "t",
                                          Decimal(2))
                batch.flush()
                before = app.recorder.max_notification_id()
                # Another writer changes the agency the batch keeps loaded...
                other.record_purchaser_rating(REGULATOR, A, date(2022, 2, 3), "采购人2", "P2",
                                              Decimal(80))
                # ...so the batch's next event for it takes a version already stored.
                app.record_purchaser_rating(REGULATOR, A, date(2022, 2, 4), "采购人3", "P3",
                                            Decimal(70))
                app.hold_training_session(REGULATOR, "online", date(2022, 2, 5), "u",
                                          Decimal(2))
        assert app.recorder.max_notification_id() == before + 1  # only the other's rating
        assert batch.cancelled
    finally:
        other.close()
    assert_chain_intact(app, 4)
    assert [r["originator_version"] for r in rows(app.engine)
            if r["originator_id"] in (app.agency(A).id, app.agency(A).id.bytes,
                                      str(app.agency(A).id))] == [1, 2, 3]


def test_rollback_undoes_commands_since_the_savepoint_and_rebuilds_changed_aggregates(app):
    app.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
    with app.batch() as batch:
        app.start_secondment(REGULATOR, A, "S-1", "周杰", "采购处", date(2022, 2, 1))
        batch.savepoint()
        second = app.start_secondment(REGULATOR, A, "S-2", "吴婷", "采购处", date(2022, 3, 1))
        ded = app.record_deduction(REGULATOR, A, "D01", date(2022, 3, 1), "late")
        batch.rollback()
        agency = app.agency(A)
        assert list(agency.secondments) == [f"{A}-S1"] and second.id not in agency.secondments
        assert batch.pending() == 1
        with pytest.raises(Exception):
            app.deduction(ded.id)
        app.start_secondment(REGULATOR, A, "S-3", "郑敏", "采购处", date(2022, 4, 1))
    assert list(app.agency(A).secondments) == [f"{A}-S1", f"{A}-S2"]
    assert app.agency(A).secondments[f"{A}-S2"].staff_ref == "S-3"
    assert_chain_intact(app, 3)


def test_a_cancelled_batch_records_nothing(app):
    with app.batch() as batch:
        app.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
        batch.cancel()
    assert app.recorder.max_notification_id() in (None, 0)
    assert not app.exists(Agency.create_id(A))
