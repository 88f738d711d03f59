"""Deadlines and months where a mutated rule would differ: notified later than found, and
each state read on its due date and on the day after."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.domain.errors import RuleViolation
from ledger.projections.queries.queries import ReadSide
from tests.scenario import REGULATOR

A = "91341800H9EH9J1GRF"


def recorded_late_notice(ledger):
    """A D01 found 2022-01-28 (a Friday before the Spring Festival) but notified 2022-02-07."""
    ledger.register_agency(REGULATOR, A, "宣城敬亭招标代理有限公司", date(2019, 5, 10))
    return ledger.record_deduction(REGULATOR, A, "D01", date(2022, 1, 28), "notice late",
                                   notified_on=date(2022, 2, 7))


def test_deadlines_count_from_notified_on_not_found_on(ledger):
    recorded = recorded_late_notice(ledger)
    d = ReadSide(ledger).deduction(recorded.id)
    # From 2022-02-07: 10 working days -> 02-21, 5 -> 02-14. (From found_on 01-28, a make-up
    # Saturday and Sunday follow and the holiday week is skipped: 02-16 and 02-09.)
    assert (d["rectification_due"], d["dispute_deadline"]) == (date(2022, 2, 21),
                                                              date(2022, 2, 14))


def test_the_dispute_windows_last_day_is_the_5th_working_day_after_notification(ledger):
    recorded = recorded_late_notice(ledger)
    ledger.file_dispute(REGULATOR, recorded.id, "posted on the last day", date(2022, 2, 14))
    assert ledger.deduction(recorded.id).dispute.filed_on == date(2022, 2, 14)


def test_a_dispute_the_day_after_the_windows_last_day_is_refused(ledger):
    recorded = recorded_late_notice(ledger)
    with pytest.raises(RuleViolation, match="closed on 2022-02-14"):
        ledger.file_dispute(REGULATOR, recorded.id, "a day late", date(2022, 2, 15))


def test_a_deduction_notified_in_february_counts_in_january_when_it_was_found(ledger):
    recorded_late_notice(ledger)
    side = ReadSide(ledger)
    assert side.month(A, "2022-01")["score"] == 98
    assert side.month(A, "2022-02")["score"] == 100
    assert [d["month"] for d in side.deductions(A)] == ["2022-01"]


def deduction_due_2022_03_15(ledger):
    ledger.register_agency(REGULATOR, A, "宣城敬亭招标代理有限公司", date(2019, 5, 10))
    return ledger.record_deduction(REGULATOR, A, "D01", date(2022, 3, 1), "notice late")


def test_a_rectification_is_open_on_its_due_date_and_overdue_the_day_after(ledger):
    recorded = deduction_due_2022_03_15(ledger)
    on_due = ReadSide(ledger, today=lambda: date(2022, 3, 15)).rectifications(agency=A)
    after = ReadSide(ledger, today=lambda: date(2022, 3, 16)).rectifications(agency=A)
    assert [(d["id"], d["rectification_due"]) for d in on_due] == [
        (recorded.id, date(2022, 3, 15))]
    assert on_due[0]["rectification_state"] == "open"
    assert after[0]["rectification_state"] == "overdue"


def test_a_dispute_is_not_overdue_on_its_review_due_date_but_is_the_day_after(ledger):
    recorded = deduction_due_2022_03_15(ledger)
    dispute = ledger.file_dispute(REGULATOR, recorded.id, "on time", date(2022, 3, 1))
    on_due = ReadSide(ledger, today=lambda: date(2022, 3, 15)).dispute(dispute.id)
    after = ReadSide(ledger, today=lambda: date(2022, 3, 16)).dispute(dispute.id)
    assert on_due["review_due"] == date(2022, 3, 15)
    assert (on_due["overdue"], after["overdue"]) == (False, True)
