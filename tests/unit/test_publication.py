"""The Month aggregate: publish after the month has ended; republication adds a revision."""

from datetime import date

import pytest

from ledger.domain.errors import InvalidInput
from ledger.domain.publication import Month

TODAY = date(2023, 6, 30)


def test_month_cannot_be_published_on_its_last_day():
    with pytest.raises(InvalidInput) as refused:
        Month.publish_first("2022-01", date(2022, 1, 31), TODAY, "li")
    assert "after the month has ended (2022-01-31)" in refused.value.errors["published_on"][0]


def test_month_is_published_from_the_day_after_it_ends_as_revision_1():
    month = Month.publish_first("2022-01", date(2022, 2, 1), TODAY, "li")
    assert month.revision == 1 and month.id == Month.create_id("2022-01")


def test_republishing_adds_a_revision():
    month = Month.publish_first("2022-01", date(2022, 2, 10), TODAY, "li")
    assert month.republish(date(2022, 2, 20), TODAY, "li") == 2
    assert [e.revision for e in month.collect_events()] == [1, 2]


def test_publication_dated_after_today_is_refused():
    with pytest.raises(InvalidInput) as refused:
        Month.publish_first("2023-05", date(2023, 7, 1), TODAY, "li")
    assert "after today" in refused.value.errors["published_on"][0]
