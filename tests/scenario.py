"""Replay the worked example's operations through `Ledger` commands (below HTTP).

The scenario file names resources by `ref` (a deduction, dispute, session or secondment) and later
operations refer to them (`ded`, `disp`, `sess`, `sec`); `replay` keeps that map. An operation the
ledger refuses (any LedgerError) is kept in `refused` by its index and replay goes on, as a bureau
would.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.application import Ledger, Recorded
from ledger.domain.errors import LedgerError, NotFound
from ledger.domain.principals import Principal

REGULATOR = Principal("scenario.regulator", "regulator")
REVIEWER = Principal("scenario.reviewer", "reviewer")


def agency_principal(code: str) -> Principal:
    """The agency's own principal: agencies file their own disputes in the worked example."""
    return Principal(f"agency-{code}", "agency", code)


def day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


def number(value: Any) -> Decimal | None:
    # via str, so a JSON 97.5 becomes Decimal("97.5") and never a binary float
    return Decimal(str(value)) if value is not None else None


class Refs(dict):
    """Scenario refs to resource ids; a ref no earlier operation created is an unknown id."""

    def __missing__(self, ref: str) -> str:
        raise NotFound(f"No resource for scenario ref {ref!r} (was the operation refused?).")


Command = Callable[[Ledger, dict, Refs], Recorded]

COMMANDS: dict[str, Command] = {
    "register": lambda app, op, refs: app.register_agency(
        REGULATOR, op["code"], op["name"], day(op["registered_on"])),
    "deregister": lambda app, op, refs: app.deregister_agency(
        REGULATOR, op["code"], day(op["deregistered_on"]), op.get("reason")),
    "deduct": lambda app, op, refs: app.record_deduction(
        REGULATOR, op["code"], op["rule_code"], day(op["found_on"]), op["reason"],
        notified_on=day(op.get("notified_on")), project_ref=op.get("project_ref"),
        evidence=op.get("evidence")),
    "withdraw": lambda app, op, refs: app.withdraw_deduction(
        REGULATOR, refs[op["ded"]], op["reason"]),
    "rectify": lambda app, op, refs: app.record_rectification(
        REGULATOR, refs[op["ded"]], day(op["completed_on"]), op.get("note")),
    # A dispute dated in the past is the agency's paper submission, entered by a regulator:
    # an agency's own filing is dated today by the ledger.
    "dispute": lambda app, op, refs: app.file_dispute(
        REGULATOR if op.get("filed_on") else agency_principal(app.deduction(refs[op["ded"]]).agency),
        refs[op["ded"]], op["grounds"], day(op.get("filed_on"))),
    "resolve": lambda app, op, refs: app.resolve_dispute(
        REVIEWER, refs[op["disp"]], op["outcome"], op["reasoning"], day(op["decided_on"]),
        number(op.get("points"))),
    "session": lambda app, op, refs: app.hold_training_session(
        REGULATOR, op["kind"], day(op["held_on"]), op["topic"], number(op["hours"])),
    "attend": lambda app, op, refs: app.record_attendance(
        REGULATOR, refs[op["sess"]], op["agency"], op["staff_ref"], op["staff_name"]),
    "second_start": lambda app, op, refs: app.start_secondment(
        REGULATOR, op["agency"], op["staff_ref"], op["staff_name"], op["department"],
        day(op["started_on"])),
    "second_end": lambda app, op, refs: app.complete_secondment(
        REGULATOR, refs[op["sec"]], day(op["ended_on"])),
    "rating": lambda app, op, refs: app.record_purchaser_rating(
        REGULATOR, op.get("agency") or op["code"], day(op["rated_on"]), op["purchaser"],
        op["project_ref"], number(op["rating"])),
    "provincial": lambda app, op, refs: app.record_provincial_evaluation(
        REGULATOR, op["agency"], int(op["year"]), number(op["score"])),
    "publish": lambda app, op, refs: app.publish_month(
        REGULATOR, op["month"], day(op["published_on"])),
}


def replay(ledger: Ledger, scenario: dict) -> tuple[dict[str, str], dict[int, Exception],
                                                     dict[int, int]]:
    """Run every operation in order.

    Returns `refs` (scenario ref → resource id), `refused` (op index → the LedgerError it
    raised) and `positions` (op index → log position of the event it recorded).
    """
    refs = Refs()
    refused: dict[int, Exception] = {}
    positions: dict[int, int] = {}
    for index, op in enumerate(scenario["ops"]):
        try:
            recorded = COMMANDS[op["op"]](ledger, op, refs)
        except LedgerError as error:
            refused[index] = error
            continue
        positions[index] = recorded.position
        if "ref" in op:
            refs[op["ref"]] = recorded.id
    return dict(refs), refused, positions
