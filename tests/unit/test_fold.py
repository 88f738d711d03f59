"""The read side's pure fold, driven by events the aggregates produce (no database)."""

from __future__ import annotations

from datetime import date

from ledger.domain.calendar import WorkingCalendar
from ledger.domain.agency import Agency
from ledger.domain.catalogue import Catalogue
from ledger.domain.deduction import Deduction
from ledger.projections.model.fold import Changes, LedgerModel
from ledger.projections.model.views import month_resource

TODAY = date(2026, 11, 27)
CODE = "91341800WQD9LLEHT2"
BY = "li.regulator"


class Log:
    """Positions events the way the notification log would."""

    def __init__(self) -> None:
        self.model, self.position = LedgerModel(), 0

    def emit(self, *aggregates) -> Changes:
        changes = Changes()
        for aggregate in aggregates:
            for event in aggregate.collect_events():
                self.position += 1
                self.model.apply(self.position, event, changes)
        return changes


def deduction(rule_code: str, found_on: date) -> Deduction:
    version = Catalogue().version_on(found_on)
    return Deduction.record(CODE, version.items[rule_code], version.version, found_on, None,
                            "found", None, None, TODAY, BY)


def registered_log() -> Log:
    log = Log()
    log.emit(Agency.register(CODE, "宁国青弋工程咨询有限公司", date(2022, 3, 15), TODAY, BY))
    return log


def score(log: Log, month: str):
    return month_resource(log.model.agencies[CODE], month, TODAY)["score"]


def test_withdrawing_an_earlier_deduction_undoes_a_later_doubling_and_trails_it():
    log = registered_log()
    june, july = deduction("D13", date(2022, 6, 20)), deduction("D13", date(2022, 7, 5))
    log.emit(june, july)
    assert (score(log, "2022-06"), score(log, "2022-07")) == (99, 96)
    june.withdraw("file belonged to another agency", BY)
    changes = log.emit(june)
    assert (score(log, "2022-06"), score(log, "2022-07")) == (100, 98)
    assert [(e.month, e.event, e.score_before, e.score_after) for e in changes.trail] == [
        ("2022-06", "DeductionWithdrawn", 99, 100), ("2022-07", "DeductionWithdrawn", 96, 98)]


def test_a_pending_dispute_stops_an_earlier_deduction_doubling_a_later_one():
    log = registered_log()
    first, second = deduction("D01", date(2022, 4, 6)), deduction("D01", date(2022, 5, 10))
    log.emit(first, second)
    assert score(log, "2022-05") == 96
    first.file_dispute("grounds", date(2022, 4, 7), TODAY, "agency")
    log.emit(first)
    assert (score(log, "2022-04"), score(log, "2022-05")) == (100, 98)
    first.resolve_dispute("upheld", None, "stands", date(2022, 4, 20), TODAY, "reviewer")
    log.emit(first)
    assert (score(log, "2022-04"), score(log, "2022-05")) == (98, 96)


def test_a_change_outside_the_90_days_leaves_later_months_untrailed():
    log = registered_log()
    early, late = deduction("D01", date(2022, 4, 1)), deduction("D01", date(2022, 7, 1))
    log.emit(early, late)
    early.withdraw("error", BY)
    changes = log.emit(early)
    assert [e.month for e in changes.trail] == ["2022-04"]
    assert score(log, "2022-07") == 98


def test_a_change_exactly_90_days_before_a_deduction_rescores_its_month():
    log = registered_log()
    early, late = deduction("D01", date(2022, 4, 1)), deduction("D01", date(2022, 6, 30))
    log.emit(early, late)
    assert score(log, "2022-06") == 96
    early.withdraw("error", BY)
    changes = log.emit(early)
    assert [(e.month, e.score_before, e.score_after) for e in changes.trail] == [
        ("2022-04", 98, 100), ("2022-06", 96, 98)]


def test_a_rectification_that_changes_nothing_is_still_on_its_months_trail():
    log = registered_log()
    serious = deduction("D05", date(2022, 4, 6))
    log.emit(serious)
    serious.rectify(date(2022, 4, 8), "fixed", TODAY, BY)
    changes = log.emit(serious)
    assert [(e.event, e.score_before, e.score_after) for e in changes.trail] == [
        ("RectificationRecorded", 94, 94)]


def test_a_review_due_date_in_a_year_without_a_calendar_is_marked_weekdays_only():
    log = registered_log()
    without_2024 = WorkingCalendar()
    del without_2024.years[2024]
    late_in_2023 = deduction("D01", date(2023, 12, 27))
    late_in_2023.file_dispute("grounds", date(2023, 12, 28), TODAY, "agency", without_2024)
    log.emit(late_in_2023)
    dispute = log.model.agencies[CODE].deductions[str(late_in_2023.id)].dispute
    assert (dispute.review_due, dispute.calendar) == (date(2024, 1, 11), "weekdays-only")


def test_a_review_due_date_within_shipped_calendars_is_marked_shipped():
    log = registered_log()
    d = deduction("D01", date(2022, 4, 6))
    d.file_dispute("grounds", date(2022, 4, 7), TODAY, "agency")
    log.emit(d)
    assert log.model.agencies[CODE].deductions[str(d.id)].dispute.calendar == "shipped:2022"
