"""Reads during a rebuild's switch of generations (issue finding: /events answered 500 with
NoResultFound when a rebuild retired and deleted the generation a read had just picked)."""

from __future__ import annotations

import threading
import time
from datetime import date

from ledger.projections.store.runner import EVENT_INDEX, Projections
from tests.api.conftest import A, principal


def test_a_batch_for_a_generation_a_rebuild_deleted_applies_nothing_and_does_not_fail(
        ledger):
    runner = Projections(ledger)
    runner.catch_up()
    old, _ = runner.active(EVENT_INDEX)
    ledger.register_agency(principal("regulator"), A, "敬亭招标", date(2022, 1, 1))
    Projections(ledger).rebuild(EVENT_INDEX)  # another worker: retires and deletes `old`
    assert runner.process_batch(EVENT_INDEX, old) == 0
    assert runner.active(EVENT_INDEX)[0] > old


def test_agency_events_read_while_another_worker_switches_generations_answers_in_full(
        app, callers, monkeypatch):
    ledger = app.extensions["ledger"].ledger
    ledger.register_agency(principal("regulator"), A, "敬亭招标", date(2022, 1, 1))
    first = callers.regulator.get(f"/api/v1/agencies/{A}/events")
    assert first.status_code == 200 and len(first.get_json()) == 1
    ledger.record_deduction(principal("regulator"), A, "D01", date(2022, 1, 10), "late")
    runner = app.extensions["ledger"].read_side.runner
    real_active, switched = runner.active, []

    def active_then_switch(name, conn=None):
        found = real_active(name, conn)
        if name == EVENT_INDEX and conn is None and not switched:
            switched.append(True)  # right after this read picked a generation
            Projections(ledger).rebuild(EVENT_INDEX)
        return found

    monkeypatch.setattr(runner, "active", active_then_switch)
    answer = callers.regulator.get(f"/api/v1/agencies/{A}/events")
    assert switched and answer.status_code == 200, answer.get_json()
    assert [e["event"] for e in answer.get_json()] == ["AgencyRegistered", "DeductionRecorded"]


def test_a_read_that_chose_the_old_generation_just_before_the_switch_reads_it_whole(
        app, callers, monkeypatch):
    ledger = app.extensions["ledger"].ledger
    ledger.register_agency(principal("regulator"), A, "敬亭招标", date(2022, 1, 1))
    ledger.record_deduction(principal("regulator"), A, "D01", date(2022, 1, 10), "late")
    side = app.extensions["ledger"].read_side
    side.refresh()
    real_refresh, switched = side.refresh, []

    def refresh_then_switch(names):
        gens = real_refresh(names)
        if EVENT_INDEX in names and not switched:  # another worker's rebuild switches right after this read chose
            worker = threading.Thread(target=Projections(ledger).rebuild, args=(EVENT_INDEX,))
            worker.start()
            switched.append(worker)
            while side.runner.active(EVENT_INDEX)[0] == gens[EVENT_INDEX]:
                time.sleep(0.01)
        return gens

    monkeypatch.setattr(side, "refresh", refresh_then_switch)
    answer = callers.regulator.get(f"/api/v1/agencies/{A}/events")
    switched[0].join()
    assert [e["event"] for e in answer.get_json()] == ["AgencyRegistered", "DeductionRecorded"]
