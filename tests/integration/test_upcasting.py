"""Events stored under an earlier class version are upcast when read back."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from eventsourcing.persistence import StoredEvent

from ledger.application import Ledger
from tests.scenario import REGULATOR

CODE = "91341800H9EH9J1GRF"


def stored_as_version_1(ledger: Ledger, stored: StoredEvent) -> StoredEvent:
    """The same DisputeFiled as version 1 wrote it: no calendar, no class_version."""
    state = json.loads(stored.state)
    assert state.pop("class_version") == 2
    state.pop("calendar")
    return replace(stored, state=json.dumps(state).encode())


def file_dispute(ledger: Ledger, found_on: date, filed_on: date):
    ledger.register_agency(REGULATOR, CODE, "宣城敬亭招标代理有限公司", date(2019, 5, 10))
    deduction = ledger.record_deduction(REGULATOR, CODE, "D01", found_on, "late notice")
    ledger.file_dispute(REGULATOR, deduction.id, "grounds", filed_on)
    event = ledger.repository.event_store.get(ledger.deduction(deduction.id).id)
    return list(event)[-1]


def test_a_version_1_dispute_filed_in_a_shipped_year_reads_back_as_shipped(ledger):
    event = file_dispute(ledger, date(2022, 4, 6), date(2022, 4, 7))
    old = stored_as_version_1(ledger, ledger.mapper.to_stored_event(event))
    upcast = ledger.mapper.to_domain_event(old)
    assert (upcast.calendar, upcast.review_due) == ("shipped", event.review_due)


def test_a_version_1_dispute_reviewed_in_an_unshipped_year_reads_back_as_weekdays_only(ledger):
    event = file_dispute(ledger, date(2023, 12, 27), date(2023, 12, 28))
    old = stored_as_version_1(ledger, ledger.mapper.to_stored_event(event))
    assert ledger.mapper.to_domain_event(old).calendar == "weekdays-only"
