"""The rectification queue: which deductions await rectification, and which came late."""

from __future__ import annotations

from datetime import date

from ledger.projections.queries.queries import AsOf, ReadSide
from tests.scenario import REGULATOR, replay

A, B, C = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG", "91341800WQD9LLEHT2"


def test_queue_names_each_rectifiable_deduction_with_its_state(ledger, scenario):
    refs, _, _ = replay(ledger, scenario)
    queue = ReadSide(ledger).rectifications()
    states = {d["id"]: d["rectification_state"] for d in queue}
    # a1 rectified before its due date; b1 (serious) rectified in time; a2 never rectified;
    # c1 withdrawn (no longer awaits anything); c2 never rectified.
    assert states == {refs["a1"]: "on_time", refs["b1"]: "on_time", refs["a2"]: "overdue",
                      refs["c2"]: "overdue"}
    assert [d["id"] for d in queue] == sorted(
        states, key=lambda i: next(d["rectification_due"] for d in queue if d["id"] == i))


def test_queue_filters_by_state_and_agency_and_tells_late_from_on_time(ledger, scenario):
    refs, _, _ = replay(ledger, scenario)
    late = ledger.record_deduction(REGULATOR, C, "D02", date(2022, 8, 1), "notice late")
    ledger.record_rectification(REGULATOR, late.id, date(2022, 9, 30))
    side = ReadSide(ledger)
    assert [d["id"] for d in side.rectifications(state="late")] == [late.id]
    assert [d["id"] for d in side.rectifications(state="overdue", agency=A)] == [refs["a2"]]


def test_queue_as_of_a_position_shows_the_state_then(ledger, scenario):
    refs, _, positions = replay(ledger, scenario)
    side = ReadSide(ledger)
    before_rectified = AsOf(position=positions[3] - 1)
    assert [d["rectification_state"] for d in side.rectifications(agency=A, as_of=before_rectified)
            ] == ["overdue"]  # as the ledger stood then, seen from that moment's date
