"""The read side and ledger of the app serving the page, and the figures pages share."""

from __future__ import annotations

from datetime import date

from flask import current_app

from ledger.domain.errors import InvalidInput, NotFound
from ledger.domain.periods import month_problem, year_problem


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
    if month_problem(value):
        raise InvalidInput.field("month", month_problem(value))
    return value


def year_arg(value: str | None, default: int) -> int:
    if not value:
        return default
    if year_problem(value):
        raise InvalidInput.field("year", year_problem(value))
    return int(value)


def latest_month() -> str:
    """The latest published month, else the month before today's."""
    try:
        return read_side().standings()["month"]
    except NotFound:
        d = today()
        return f"{d.year - (d.month == 1):04d}-{(d.month - 2) % 12 + 1:02d}"


def default_year() -> int:
    return int(latest_month()[:4])
