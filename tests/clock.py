"""A settable today (Asia/Shanghai) for apps and ledgers whose rules depend on the date."""

from __future__ import annotations

from datetime import date

NOTICE_DAY = date(2023, 1, 19)  # the day the tests of a year's results open 2022's notice


class Clock:
    """Today as the test sets it: `clock.day = ...` moves it."""

    def __init__(self, today: date = NOTICE_DAY) -> None:
        self.day = today

    def __call__(self) -> date:
        return self.day
