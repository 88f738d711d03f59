"""The read side and ledger of the app serving the page, and the figures pages share."""

from __future__ import annotations

from datetime import date

from flask import current_app

from ledger.domain.errors import InvalidInput, NotFound


def read_side():
    return current_app.extensions["ledger"].read_side


def ledger():
    return current_app.extensions["ledger"].ledger


def today() -> date:
    return current_app.config["TODAY"]()


def month_arg(value: str | None) -> str | None:
    """A YYYY-MM from a query string, or InvalidInput."""
    if value is None or value == "":
        return None
    try:
        year, month = value.split("-")
        if len(year) == 4 and 1 <= int(month) <= 12:
            return f"{int(year):04d}-{int(month):02d}"
    except ValueError:
        pass
    raise InvalidInput.field("month", f"{value!r} is not a month (YYYY-MM)")


def year_arg(value: str | None, default: int) -> int:
    if not value:
        return default
    if value.isdigit() and 2000 <= int(value) <= 2100:
        return int(value)
    raise InvalidInput.field("year", f"{value!r} is not a year")


def latest_month() -> str:
    """The latest published month, else the month before today's."""
    try:
        return read_side().standings()["month"]
    except NotFound:
        d = today()
        return f"{d.year - (d.month == 1):04d}-{(d.month - 2) % 12 + 1:02d}"


def default_year() -> int:
    return int(latest_month()[:4])
