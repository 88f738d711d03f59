"""Working days: shipped 2022–2026 calendars with make-up days, weekdays-only elsewhere."""

from datetime import date, timedelta

import pytest

from ledger.domain.calendar import (
    SHIPPED, WEEKDAYS_ONLY, WorkingCalendar, YearCalendar, basis_between, calendar_basis,
    is_working_day, legacy_basis, shipped_calendars, working_days_after,
)

# DOMAIN.md's table, verbatim.
DAYS_OFF = {
    2022: [("2022-01-01", "2022-01-03"), ("2022-01-31", "2022-02-06"), ("2022-04-03", "2022-04-05"),
           ("2022-04-30", "2022-05-04"), ("2022-06-03", "2022-06-05"), ("2022-09-10", "2022-09-12"),
           ("2022-10-01", "2022-10-07")],
    2023: [("2023-01-01", "2023-01-02"), ("2023-01-21", "2023-01-27"), ("2023-04-05", "2023-04-05"),
           ("2023-04-29", "2023-05-03"), ("2023-06-22", "2023-06-24"),
           ("2023-09-29", "2023-10-06")],
    2024: [("2024-01-01", "2024-01-01"), ("2024-02-10", "2024-02-17"), ("2024-04-04", "2024-04-06"),
           ("2024-05-01", "2024-05-05"), ("2024-06-10", "2024-06-10"), ("2024-09-15", "2024-09-17"),
           ("2024-10-01", "2024-10-07")],
    2025: [("2025-01-01", "2025-01-01"), ("2025-01-28", "2025-02-04"), ("2025-04-04", "2025-04-06"),
           ("2025-05-01", "2025-05-05"), ("2025-05-31", "2025-06-02"), ("2025-10-01", "2025-10-08")],
    2026: [("2026-01-01", "2026-01-03"), ("2026-02-15", "2026-02-23"), ("2026-04-04", "2026-04-06"),
           ("2026-05-01", "2026-05-05"), ("2026-06-19", "2026-06-21"), ("2026-09-25", "2026-09-27"),
           ("2026-10-01", "2026-10-07")],
}
MAKE_UP = {
    2022: ["2022-01-29", "2022-01-30", "2022-04-02", "2022-04-24", "2022-05-07", "2022-10-08",
           "2022-10-09"],
    2023: ["2023-01-28", "2023-01-29", "2023-04-23", "2023-05-06", "2023-06-25", "2023-10-07",
           "2023-10-08"],
    2024: ["2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14",
           "2024-09-29", "2024-10-12"],
    2025: ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"],
    2026: ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
}
YEARS = sorted(DAYS_OFF)


def days(first: str, last: str) -> set[date]:
    day, end, out = date.fromisoformat(first), date.fromisoformat(last), set()
    while day <= end:
        out.add(day)
        day += timedelta(days=1)
    return out


@pytest.mark.parametrize("year", YEARS)
def test_shipped_calendar_matches_the_domain_table(year):
    cal = shipped_calendars()[year]
    assert cal.holidays == set().union(*(days(a, b) for a, b in DAYS_OFF[year]))
    assert cal.makeup_days == {date.fromisoformat(d) for d in MAKE_UP[year]}


@pytest.mark.parametrize("year", YEARS)
def test_every_day_of_the_year_is_a_working_day_exactly_as_the_table_says(year):
    off = set().union(*(days(a, b) for a, b in DAYS_OFF[year]))
    worked = {date.fromisoformat(d) for d in MAKE_UP[year]}
    for day in days(f"{year}-01-01", f"{year}-12-31"):
        expected = day in worked or (day.weekday() < 5 and day not in off)
        assert is_working_day(day) is expected, day


@pytest.mark.parametrize("year", YEARS)
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
    assert calendar_basis(2026) == SHIPPED
    assert calendar_basis(2027) == WEEKDAYS_ONLY
    # 2027 ships no calendar: New Year's Day (a Friday) counts as a working day.
    assert is_working_day(date(2027, 1, 1))
    assert working_days_after(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert not is_working_day(date(2027, 1, 2))  # Saturday


def test_span_reaching_into_a_year_without_a_calendar_is_weekdays_only():
    assert basis_between(date(2022, 12, 1), date(2023, 12, 31)) == "shipped:2022+shipped:2023"
    assert basis_between(date(2026, 12, 20), date(2027, 1, 5)) == WEEKDAYS_ONLY


def test_a_count_starting_on_new_years_eve_uses_only_the_new_years_calendar():
    assert basis_between(date(2025, 12, 31), date(2026, 1, 8)) == "shipped:2026"


def test_the_national_day_week_of_2026_is_not_counted():
    # The case: notified 2026-09-30, 10 working days skip Oct 1-7 and count Sat Oct 10.
    assert working_days_after(date(2026, 9, 30), 10) == date(2026, 10, 20)


def test_a_published_calendar_overrides_the_shipped_one_for_its_year_only():
    published = YearCalendar(2026, frozenset({date(2026, 3, 2)}), frozenset(), "notice",
                             "published", 57)
    calendar = WorkingCalendar({2026: published})
    assert not calendar.is_working_day(date(2026, 3, 2))
    assert calendar.is_working_day(date(2026, 10, 1))  # the shipped 2026 holidays are gone
    assert calendar.is_working_day(date(2025, 10, 1)) is False  # 2025 is still shipped
    assert calendar.basis_between(date(2026, 2, 27), date(2026, 3, 4)) == "published@57"
    assert calendar.basis_between(date(2025, 12, 30), date(2026, 1, 5)) == \
        "shipped:2025+published@57"


def test_events_written_before_2024_shipped_keep_their_old_basis_words():
    assert legacy_basis(date(2022, 4, 7), date(2022, 4, 21)) == SHIPPED
    assert legacy_basis(date(2023, 12, 28), date(2024, 1, 11)) == WEEKDAYS_ONLY
