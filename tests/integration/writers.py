"""Writers for the concurrency tests: each makes its own Ledger on the shared URL.

Kept apart from the test module so that spawned processes import only this and the ledger.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from threading import Barrier
from typing import Any

from ledger.application import Ledger
from ledger.domain.errors import LedgerError
from ledger.domain.principals import Principal

WRITER = Principal("concurrent.regulator", "regulator")


def outcome(call) -> tuple[str, Any]:
    """('ok', position, id) or ('refused', error class name, message)."""
    try:
        recorded = call()
    except LedgerError as error:
        return ("refused", type(error).__name__, error.message)
    return ("ok", recorded.position, recorded.id)


def rate(url: str, code: str, n: int, start: Barrier | Any) -> tuple:
    ledger = Ledger(url=url)
    try:
        start.wait()
        return outcome(lambda: ledger.record_purchaser_rating(
            WRITER, code, date(2022, 5, 1), f"purchaser {n}", f"P-{n}", Decimal(60 + n)))
    finally:
        ledger.close()


def attend(url: str, session_id: str, code: str, n: int, start: Barrier | Any) -> tuple:
    ledger = Ledger(url=url)
    try:
        start.wait()
        return outcome(lambda: ledger.record_attendance(
            WRITER, session_id, code, f"S-{n:02d}", f"职员{n}"))
    finally:
        ledger.close()


def withdraw(url: str, deduction_id: str, n: int, start: Barrier | Any) -> tuple:
    ledger = Ledger(url=url)
    try:
        start.wait()
        return outcome(lambda: ledger.withdraw_deduction(WRITER, deduction_id, f"error {n}"))
    finally:
        ledger.close()


def start_and_register(url: str, code: str, n: int, start: Barrier | Any) -> tuple:
    """Open a Ledger (creating the schema if no one has yet) and register one agency."""
    start.wait()
    ledger = Ledger(url=url)
    try:
        return outcome(lambda: ledger.register_agency(WRITER, code, f"name {n}",
                                                      date(2022, 1, 1)))
    finally:
        ledger.close()
