"""One spreadsheet row of each kind, read and given to the application layer as commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation

from ledger.application import Ledger
from ledger.domain.errors import InvalidInput, NotFound
from ledger.domain.principals import Principal
from ledger.imports.layout import (
    AGENCIES, ATTENDANCE, DEDUCTIONS, KINDS_OF_TRAINING, REQUIRED, SECONDMENTS, header,
)


class Row:
    """A row's cells, each read or reported under the column's Chinese header."""

    def __init__(self, kind: str, cells: dict[str, str]) -> None:
        self.cells = cells
        missing = {header(f): ["必填 (required)"] for f in REQUIRED[kind] if not cells.get(f)}
        if missing:
            raise InvalidInput(missing)

    def text(self, name: str) -> str | None:
        return self.cells.get(name) or None

    def day(self, name: str) -> date | None:
        value = self.text(name)
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            raise InvalidInput.field(header(name), f"{value!r} 不是日期 (not a date, YYYY-MM-DD)") from None

    def number(self, name: str) -> Decimal:
        try:
            return Decimal(self.cells[name])
        except (InvalidOperation, KeyError):
            raise InvalidInput.field(header(name), f"{self.cells.get(name)!r} 不是数字 (not a number)") from None


class Sessions:
    """Training sessions the file names: an existing session id, else one held once per file."""

    def __init__(self) -> None:
        self.made: dict[tuple, str] = {}
        self.foreign: set[str] = set()  # session ids given that name no session of this ledger
        self._added: list[tuple] = []

    def savepoint(self) -> None:
        self._added = []

    def rollback(self) -> None:
        """Forget the sessions held since the savepoint (their row was refused)."""
        for key in self._added:
            self.made.pop(key, None)
        self._added = []

    def session_for(self, ledger: Ledger, by: Principal, row: Row) -> str:
        given = row.text("session_id")
        if given and given not in self.foreign:
            try:
                ledger.training_session(given)
                return given
            except NotFound:
                # A session of another ledger: hold it here once, under the same key. (Ids
                # of sessions held by this file are new: no row can name one.)
                self.foreign.add(given)
        kind = KINDS_OF_TRAINING.get(row.text("kind") or "")
        if kind is None:
            raise InvalidInput.field(header("kind"), f"{row.text('kind')!r} 不是培训类型 "
                                     "(lecture/onsite/online, 集中讲学/上门督学/线上自学)")
        key = (given or "", kind, row.day("held_on"), row.text("topic"), row.number("hours"))
        if key not in self.made:
            self.made[key] = ledger.hold_training_session(by, *key[1:]).id
            self._added.append(key)
        return self.made[key]


def agency_row(ledger: Ledger, by: Principal, row: Row, sessions: Sessions) -> None:
    ledger.register_agency(by, row.text("agency"), row.text("name"), row.day("registered_on"))


def deduction_row(ledger: Ledger, by: Principal, row: Row, sessions: Sessions) -> None:
    """The deduction, then its rectification and withdrawal when the row gives them."""
    rectified_on, found_on, notified_on = (row.day("rectified_on"), row.day("found_on"),
                                           row.day("notified_on"))
    recorded = ledger.record_deduction(
        by, row.text("agency"), row.text("rule_code"), found_on, row.text("reason"),
        notified_on=notified_on, project_ref=row.text("project_ref"))
    if rectified_on is not None:
        ledger.record_rectification(by, recorded.id, rectified_on, row.text("rectification_note"))
    if row.text("withdrawal_reason"):
        ledger.withdraw_deduction(by, recorded.id, row.text("withdrawal_reason"))


def attendance_row(ledger: Ledger, by: Principal, row: Row, sessions: Sessions) -> None:
    session_id = sessions.session_for(ledger, by, row)
    ledger.record_attendance(by, session_id, row.text("agency"), row.text("staff_ref"),
                             row.text("staff_name"))


def secondment_row(ledger: Ledger, by: Principal, row: Row, sessions: Sessions) -> None:
    ended_on = row.day("ended_on")
    recorded = ledger.start_secondment(by, row.text("agency"), row.text("staff_ref"),
                                       row.text("staff_name"), row.text("department"),
                                       row.day("started_on"))
    if ended_on is not None:
        ledger.complete_secondment(by, recorded.id, ended_on)


COMMANDS: dict[str, Callable[[Ledger, Principal, Row, Sessions], None]] = {
    AGENCIES: agency_row, DEDUCTIONS: deduction_row, ATTENDANCE: attendance_row,
    SECONDMENTS: secondment_row,
}
