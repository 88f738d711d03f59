"""What makes two rows "the same row", for each kind of sheet (docs/IMPORT.md, "Importing twice").

A row already in the ledger is not recorded again; a row repeated within one file is refused.
A deduction row that names a deduction of this ledger (扣分编号, as the exchange export writes
it) is that deduction.
Deductions and the training sessions a file holds get ids derived from their identity, so an
import finds them again with one look-up, and two imports of one file racing each other collide
on the store's unique (id, version) index: one records, the other records nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from uuid import UUID

from ledger.domain.base import ledger_id
from ledger.imports.layout import AGENCIES, ATTENDANCE, DEDUCTIONS, SECONDMENTS


def deduction_id(agency: str, rule_code: str, found_on: str, project_ref: str | None,
                 reason: str) -> UUID:
    """The id an imported deduction takes: its agency, item, day found, project and reason."""
    return ledger_id("imported-deduction", "\x1f".join(
        (agency, rule_code, found_on, project_ref or "", reason)))


def session_id(given: str | None, kind: str, held_on: str, topic: str, hours: Decimal) -> UUID:
    """The id a session held by an import takes: its kind, day, topic and hours (and the
    session id the file gives, when that names a session of another ledger)."""
    return ledger_id("imported-session", "\x1f".join(
        (given or "", kind, held_on, topic, format(hours.normalize(), "f"))))


def derived_ids(kind: str, rows: list[dict]) -> Iterator[UUID]:
    """The ids the deduction rows of a sheet would take, for rows whose cells allow one."""
    if kind != DEDUCTIONS:
        return
    for cells in rows:
        try:
            found_on = date.fromisoformat(cells["found_on"]).isoformat()
            yield deduction_id(cells["agency"], cells["rule_code"], found_on,
                               cells.get("project_ref") or None, cells["reason"])
        except (KeyError, TypeError, ValueError):
            continue  # the row will be refused; it looks nothing up


def number_key(text: object) -> object:
    """2, 2.0 and 2.00 alike; anything else as it is."""
    try:
        return Decimal(str(text)).normalize()
    except ArithmeticError:
        return text


def row_key(kind: str, cells: dict) -> tuple:
    """The identity of a row within one file (cells as read: text)."""
    get = cells.get
    if kind == AGENCIES:
        return (kind, get("agency"))
    if kind == DEDUCTIONS:
        return (kind, get("deduction_id") or "", get("agency"), get("rule_code"), get("found_on"),
                get("project_ref") or "", get("reason"))
    if kind == ATTENDANCE:
        return (kind, get("session_id") or "", get("kind"), get("held_on"), get("topic"),
                number_key(get("hours")), get("agency"), get("staff_ref"))
    assert kind == SECONDMENTS
    return (kind, get("agency"), get("staff_ref"), get("started_on"))
