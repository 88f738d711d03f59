"""What a Ledger keeps between commands (as `ledger serve`'s workers do): the catalogue and
the working calendar are rebuilt as soon as any process publishes a new rule-set version or
calendar, and the agency a deduction only reads (not copied from the aggregate cache) is
brought up to date as well: the very next command sees each change."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.api import AGGREGATE_CACHE
from ledger.application import Ledger
from ledger.domain.catalogue import RuleItem
from ledger.domain.errors import RuleViolation
from tests.application.conftest import TODAY
from tests.conftest import REGULATOR

A = "91341800H9EH9J1GRF"


@pytest.fixture
def served(database_url) -> Ledger:
    """The ledger as a server's worker holds it (aggregate cache, fast-forward)."""
    ledger = Ledger(url=database_url, today=lambda: TODAY, env=AGGREGATE_CACHE)
    ledger.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
    yield ledger
    ledger.close()


@pytest.fixture
def other(database_url, served) -> Ledger:
    """Another process's ledger on the same store (the CLI, another worker)."""
    ledger = Ledger(url=database_url, today=lambda: TODAY)
    yield ledger
    ledger.close()


def test_a_rule_set_version_published_elsewhere_is_used_by_the_next_deduction(served, other):
    first = served.record_deduction(REGULATOR, A, "D01", date(2023, 1, 3), "late").id
    assert served.deduction(first).rule_version != "2023.1"  # the shipped set, now kept
    item = RuleItem("D01", "late notice", Decimal(5), serious=False, rectifiable=True)
    other.publish_rule_set_version(REGULATOR, "2023.1", date(2023, 1, 1), [item])
    after = served.deduction(served.record_deduction(REGULATOR, A, "D01", date(2023, 1, 3),
                                                     "late").id)
    assert (after.rule_version, after.base_points) == ("2023.1", 5)
    # ... and the next one published too, after the kept catalogue was rebuilt once.
    item = RuleItem("D01", "late notice", Decimal(7), serious=False, rectifiable=True)
    other.publish_rule_set_version(REGULATOR, "2023.2", date(2023, 2, 1), [item])
    later = served.deduction(served.record_deduction(REGULATOR, A, "D01", date(2023, 2, 3),
                                                     "late").id)
    assert (later.rule_version, later.base_points) == ("2023.2", 7)


def test_a_calendar_published_elsewhere_is_used_by_the_next_deduction(served, other):
    found = date(2023, 3, 6)  # a Monday; D13 is due ten working days later
    first = served.deduction(served.record_deduction(REGULATOR, A, "D13", found, "late").id)
    other.publish_calendar(REGULATOR, 2023, [date(2023, 3, 7), date(2023, 3, 8)], [],
                           "state council notice")
    after = served.deduction(served.record_deduction(REGULATOR, A, "D13", found, "late").id)
    assert after.rectification_due > first.rectification_due
    # A second publication for the year supersedes the first at once as well.
    other.publish_calendar(REGULATOR, 2023, [date(2023, 5, 1)], [], "corrected notice")
    again = served.deduction(served.record_deduction(REGULATOR, A, "D13", found, "late").id)
    assert again.rectification_due == first.rectification_due


def test_a_deregistration_recorded_elsewhere_refuses_the_next_deduction(served, other):
    served.record_deduction(REGULATOR, A, "D01", date(2023, 3, 6), "late")  # agency cached
    other.deregister_agency(REGULATOR, A, date(2023, 4, 30), "merged")
    before = served.recorder.max_notification_id()
    with pytest.raises(RuleViolation, match="not registered on found_on 2023-05-02"):
        served.record_deduction(REGULATOR, A, "D01", date(2023, 5, 2), "late")
    assert served.recorder.max_notification_id() == before
    # The kept agency was only read: a refused or accepted deduction leaves it as stored.
    served.record_deduction(REGULATOR, A, "D01", date(2023, 4, 3), "late")
    assert served.agency(A).deregistered_on == date(2023, 4, 30)


def test_last_versions_answers_each_aggregate_in_one_statement(served, other):
    from uuid import uuid4

    import sqlalchemy as sa

    from ledger.application import RULE_SET_ID
    from ledger.commands.calendars import CALENDARS_ID

    other.publish_calendar(REGULATOR, 2023, [date(2023, 3, 7)], [], "notice")
    ids = (RULE_SET_ID, CALENDARS_ID, uuid4())
    statements = []

    def seen(_conn, _cursor, statement, *_):
        statements.append(statement)

    sa.event.listen(served.engine, "before_cursor_execute", seen)
    try:
        versions = served.recorder.last_versions(ids)
        assert len(statements) == 1
        # A deduction asks for the rule set's and the calendars' versions at once.
        statements.clear()
        served.record_deduction(REGULATOR, A, "D01", date(2023, 3, 6), "late")
        assert sum("max(originator_version)" in s for s in statements) == 1
    finally:
        sa.event.remove(served.engine, "before_cursor_execute", seen)
    assert versions == [served.recorder.last_version(i) for i in ids]
    assert versions[0] is None and versions[1] is not None and versions[2] is None


def test_attendance_reads_the_agency_as_stored_and_leaves_it_so(served, other):
    session = served.hold_training_session(REGULATOR, "lecture", date(2023, 5, 2), "law", 2).id
    early = served.hold_training_session(REGULATOR, "lecture", date(2023, 4, 3), "law", 2).id
    served.record_attendance(REGULATOR, early, A, "E1", "张三")  # the agency is cached
    other.deregister_agency(REGULATOR, A, date(2023, 4, 30), "merged")
    before = served.recorder.max_notification_id()
    with pytest.raises(RuleViolation, match="held_on"):
        served.record_attendance(REGULATOR, session, A, "E2", "李四")
    assert served.recorder.max_notification_id() == before
    served.record_attendance(REGULATOR, early, A, "E3", "王五")
    assert served.agency(A).deregistered_on == date(2023, 4, 30)
    assert served.agency(A).version == other.agency(A).version
