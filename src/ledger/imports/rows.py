"""One spreadsheet row of each kind, read and given to the application layer as commands.

Each command returns whether the row added anything: False when everything it says is already
recorded (ledger.imports.identity), so a file imported twice records nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from uuid import UUID

from ledger.application import Ledger
from ledger.domain.errors import InvalidInput, NotFound, RuleViolation
from ledger.domain.principals import Principal
from ledger.domain.text import NAME_LIMIT, TEXT_LIMIT, text_problem
from ledger.imports.identity import deduction_id, session_id
from ledger.imports.layout import (
    AGENCIES, ATTENDANCE, DEDUCTIONS, KINDS_OF_TRAINING, REQUIRED, SECONDMENTS, header,
)
from ledger.imports.limits import Unusable

LONG_TEXT = {"reason", "rectification_note", "withdrawal_reason", "topic"}  # the rest: 200


def text_refusal(value: str, limit: int) -> str | None:
    """DOMAIN's text rules (ledger.domain.text) for one cell, in Chinese with the English rule."""
    problem = text_problem(value, limit=limit, required=False)
    if problem is None:
        return None
    if len(value) > limit:
        said = f"超过 {limit} 个字符（共 {len(value):,} 个）"
    elif "surrogate" in problem:
        said = "含有不成对的代理字符"
    else:
        said = "含有控制字符"
    return f"{said} ({problem})"


class Row:
    """A row's cells, each read or reported under the column's Chinese header."""

    def __init__(self, kind: str, cells: dict[str, object]) -> None:
        problems: dict[str, list[str]] = {}
        for name, value in cells.items():
            if isinstance(value, Unusable):
                problems[header(name)] = [value.message]
            else:
                problem = text_refusal(value, TEXT_LIMIT if name in LONG_TEXT else NAME_LIMIT)
                if problem:
                    problems[header(name)] = [problem]
        problems.update({header(f): ["必填 (required)"] for f in REQUIRED[kind]
                         if not cells.get(f) and header(f) not in problems})
        if problems:
            raise InvalidInput(problems)
        self.cells: dict[str, str] = cells  # type: ignore[assignment]

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
            number = Decimal(self.cells[name])
        except (InvalidOperation, KeyError):
            number = Decimal("NaN")
        if not number.is_finite():
            raise InvalidInput.field(header(name), f"{self.cells.get(name)!r} 不是数字 (not a number)")
        return number


class Sessions:
    """Training sessions the file names: an existing session id, else one held once (its id
    derived from what the row says of it, so a second import finds it)."""

    def __init__(self) -> None:
        self.foreign: set[str] = set()  # session ids given that name no session of this ledger

    def session_for(self, ledger: Ledger, by: Principal, row: Row) -> tuple[str, bool]:
        """The session's id, and whether this row held it."""
        given = row.text("session_id")
        if given and given not in self.foreign:
            try:
                ledger.training_session(given)
                return given, False
            except NotFound:
                # A session of another ledger: held here once, under an id derived from it.
                self.foreign.add(given)
        kind = KINDS_OF_TRAINING.get(row.text("kind") or "")
        if kind is None:
            raise InvalidInput.field(header("kind"), f"{row.text('kind')!r} 不是培训类型 "
                                     "(lecture/onsite/online, 集中讲学/上门督学/线上自学)")
        held_on, topic, hours = row.day("held_on"), row.text("topic"), row.number("hours")
        derived = session_id(given, kind, held_on.isoformat(), topic, hours)
        if ledger.exists(derived):
            return str(derived), False
        ledger.hold_training_session(by, kind, held_on, topic, hours, session_id=derived)
        return str(derived), True


def agency_row(ledger: Ledger, by: Principal, row: Row, sessions: Sessions) -> bool:
    code, name, registered_on = row.text("agency"), row.text("name"), row.day("registered_on")
    try:
        agency = ledger.agency(code)
    except NotFound:
        ledger.register_agency(by, code, name, registered_on)
        return True
    if (agency.name, agency.registered_on) == (name, registered_on):
        return False
    raise RuleViolation(
        f"机构 {code} 已登记为“{agency.name}”，登记日期 {agency.registered_on}，与本行不同；"
        f"导入不会改动已记录的登记。 (Agency {code} is already registered as {agency.name!r} "
        f"on {agency.registered_on}.)")


def deduction_row(ledger: Ledger, by: Principal, row: Row, sessions: Sessions) -> bool:
    """The deduction, then its rectification and withdrawal when the row gives them and the
    ledger does not have them yet."""
    rectified_on, found_on, notified_on = (row.day("rectified_on"), row.day("found_on"),
                                           row.day("notified_on"))
    facts = (row.text("agency"), row.text("rule_code"), found_on, row.text("project_ref"),
             row.text("reason"))
    named = named_deduction(ledger, row.text("deduction_id"), facts)
    key = named or deduction_id(*facts[:2], found_on.isoformat(), *facts[3:])
    added = named is None and not ledger.exists(key)
    if added:
        ledger.record_deduction(by, facts[0], facts[1], found_on, facts[4],
                                notified_on=notified_on, project_ref=facts[3], deduction_id=key)
    deduction = ledger.deduction(str(key))
    if rectified_on is not None and deduction.rectified_on != rectified_on:
        ledger.record_rectification(by, str(key), rectified_on, row.text("rectification_note"))
        added = True
    if row.text("withdrawal_reason") and not deduction.withdrawn:
        ledger.withdraw_deduction(by, str(key), row.text("withdrawal_reason"))
        added = True
    return added


def named_deduction(ledger: Ledger, given: str | None, facts: tuple) -> UUID | None:
    """The id of this ledger's deduction the row names (扣分编号), if it names one; refused if
    the row's facts are not that deduction's (an import never changes a recorded deduction)."""
    if not given:
        return None
    try:
        deduction = ledger.deduction(given)
    except NotFound:
        return None  # a deduction of another ledger: known here by its facts
    recorded = (deduction.agency, deduction.rule_code, deduction.found_on,
                deduction.project_ref, deduction.reason)
    differ = [header(f) for f, a, b in zip(
        ("agency", "rule_code", "found_on", "project_ref", "reason"), recorded, facts) if a != b]
    if differ:
        raise RuleViolation(
            f"扣分编号 {given} 已记录，其{'、'.join(differ)}与本行不同；导入不会改动已记录的扣分，"
            f"更正请撤回后重新记录。 (Deduction {given} is recorded with another "
            f"{', '.join(differ)}.)")
    return deduction.id


def attendance_row(ledger: Ledger, by: Principal, row: Row, sessions: Sessions) -> bool:
    session, held = sessions.session_for(ledger, by, row)
    if not held and (row.text("agency"), row.text("staff_ref")) in ledger.training_session(
            session).attendees:
        return False
    ledger.record_attendance(by, session, row.text("agency"), row.text("staff_ref"),
                             row.text("staff_name"))
    return True


def secondment_row(ledger: Ledger, by: Principal, row: Row, sessions: Sessions) -> bool:
    """Identified by agency, person and start: started once, completed once."""
    code, staff_ref, started_on, ended_on = (row.text("agency"), row.text("staff_ref"),
                                             row.day("started_on"), row.day("ended_on"))
    same = next((s for s in ledger.agency(code).secondments.values()
                 if s.staff_ref == staff_ref and s.started_on == started_on), None)
    if same is None:
        secondment = ledger.start_secondment(by, code, staff_ref, row.text("staff_name"),
                                             row.text("department"), started_on).id
    else:
        secondment = same.id
    if ended_on is not None and (same is None or same.ended_on != ended_on):
        ledger.complete_secondment(by, secondment, ended_on)
        return True
    return same is None


COMMANDS: dict[str, Callable[[Ledger, Principal, Row, Sessions], bool]] = {
    AGENCIES: agency_row, DEDUCTIONS: deduction_row, ATTENDANCE: attendance_row,
    SECONDMENTS: secondment_row,
}
