"""Working days: shipped 2022/2023 calendars with make-up days, weekdays-only elsewhere."""

from datetime import date, timedelta

import pytest

from ledger.domain.calendar import (
    SHIPPED, WEEKDAYS_ONLY, basis_between, calendar_basis, is_working_day, shipped_calendars,
    working_days_after,
)

# DOMAIN.md's table, verbatim.
DAYS_OFF = {
    2022: [("2022-01-01", "2022-01-03"), ("2022-01-31", "2022-02-06"), ("2022-04-03", "2022-04-05"),
           ("2022-04-30", "2022-05-04"), ("2022-06-03", "2022-06-05"), ("2022-09-10", "2022-09-12"),
           ("2022-10-01", "2022-10-07")],
    2023: [("2023-01-01", "2023-01-02"), ("2023-01-21", "2023-01-27"), ("2023-04-05", "2023-04-05"),
           ("2023-04-29", "2023-05-03"), ("2023-06-22", "2023-06-24"),
           ("2023-09-29", "2023-10-06")],
}
MAKE_UP = {
    2022: ["2022-01-29", "2022-01-30", "2022-04-02", "2022-04-24", "2022-05-07", "2022-10-08",
           "2022-10-09"],
    2023: ["2023-01-28", "2023-01-29", "2023-04-23", "2023-05-06", "2023-06-25", "2023-10-07",
           "2023-10-08"],
}


def days(first: str, last: str) -> set[date]:
    day, end, out = date.fromisoformat(first), date.fromisoformat(last), set()
    while day <= end:
        out.add(day)
        day += timedelta(days=1)
    return out


@pytest.mark.parametrize("year", [2022, 2023])
def test_shipped_calendar_matches_the_domain_table(year):
    cal = shipped_calendars()[year]
    assert cal.holidays == set().union(*(days(a, b) for a, b in DAYS_OFF[year]))
    assert cal.makeup_days == {date.fromisoformat(d) for d in MAKE_UP[year]}


@pytest.mark.parametrize("year", [2022, 2023])
def test_every_make_up_day_is_a_weekend_day_that_is_worked(year):
    for d in MAKE_UP[year]:
        day = date.fromisoformat(d)
        assert day.weekday() >= 5
        assert is_working_day(day)


def test_holiday_on_a_weekday_is_not_a_working_day():
    assert not is_working_day(date(2022, 1, 31))  # Monday, Spring Festival
    assert not is_working_day(date(2023, 4, 5))  # Wednesday, Qingming


def test_dispute_window_of_a_deduction_notified_2022_01_25_closes_on_make_up_sunday_30th():
    assert working_days_after(date(2022, 1, 25), 5) == date(2022, 1, 30)


def test_make_up_saturday_is_the_next_working_day_after_friday():
    assert working_days_after(date(2022, 1, 28), 1) == date(2022, 1, 29)


def test_counting_skips_the_spring_festival_after_the_make_up_days():
    assert working_days_after(date(2022, 1, 30), 1) == date(2022, 2, 7)


def test_counting_skips_national_day_and_lands_on_make_up_saturday():
    assert working_days_after(date(2022, 9, 30), 1) == date(2022, 10, 8)


def test_rectification_due_of_the_worked_example():
    assert working_days_after(date(2022, 1, 10), 10) == date(2022, 1, 24)


def test_counting_crosses_into_the_next_shipped_year():
    assert working_days_after(date(2022, 12, 30), 1) == date(2023, 1, 3)


def test_n_th_working_day_is_strictly_after_the_start_even_when_start_is_a_working_day():
    assert working_days_after(date(2022, 3, 1), 1) == date(2022, 3, 2)


def test_zero_working_days_is_refused():
    with pytest.raises(ValueError):
        working_days_after(date(2022, 3, 1), 0)


def test_year_without_a_calendar_falls_back_to_weekdays_only():
    assert calendar_basis(2022) == SHIPPED
    assert calendar_basis(2024) == WEEKDAYS_ONLY
    # 2024-01-01 and 2024-02-12 were public holidays, but 2024 ships no calendar.
    assert is_working_day(date(2024, 1, 1))
    assert working_days_after(date(2024, 2, 9), 1) == date(2024, 2, 12)
    assert not is_working_day(date(2024, 1, 6))  # Saturday


def test_span_reaching_into_a_year_without_a_calendar_is_weekdays_only():
    assert basis_between(date(2022, 12, 1), date(2023, 12, 31)) == SHIPPED
    assert basis_between(date(2023, 12, 20), date(2024, 1, 5)) == WEEKDAYS_ONLY
