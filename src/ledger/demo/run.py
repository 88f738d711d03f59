"""Carry out a demo plan through the application layer's batches, counting every refusal."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ledger.application import Ledger
from ledger.bulk_tuning import bulk_collection
from ledger.demo.plan import Planner
from ledger.demo.plan_agency import Op
from ledger.domain.errors import LedgerError
from ledger.domain.principals import Principal
from ledger.unit_of_work import Batch, Recorded

REGULATOR = Principal("li.regulator", "regulator")
REVIEWER = Principal("wang.reviewer", "reviewer")
BATCH = 50_000


def principal(name: str) -> Principal:
    if name.startswith("agency-"):
        return Principal(name, "agency", name.removeprefix("agency-"))
    return Principal(name, "regulator")


Command = Callable[[Ledger, dict, dict[str, str]], Recorded]
COMMANDS: dict[str, Command] = {
    "register": lambda app, f, refs: app.register_agency(
        REGULATOR, f["code"], f["name"], f["registered_on"]),
    "deregister": lambda app, f, refs: app.deregister_agency(
        REGULATOR, f["code"], f["deregistered_on"], f["reason"]),
    "deduct": lambda app, f, refs: app.record_deduction(
        principal(f["by"]), f["code"], f["rule_code"], f["found_on"], f["reason"],
        notified_on=f["notified_on"], project_ref=f["project_ref"]),
    "withdraw": lambda app, f, refs: app.withdraw_deduction(REGULATOR, refs[f["ded"]],
                                                            f["reason"]),
    "rectify": lambda app, f, refs: app.record_rectification(
        REGULATOR, refs[f["ded"]], f["completed_on"], f["note"]),
    "dispute": lambda app, f, refs: app.file_dispute(
        principal(f["by"]), refs[f["ded"]], f["grounds"], f["filed_on"]),
    "resolve": lambda app, f, refs: app.resolve_dispute(
        REVIEWER, refs[f["disp"]], f["outcome"], f["reasoning"], f["decided_on"], f["points"]),
    "session": lambda app, f, refs: app.hold_training_session(
        REGULATOR, f["kind"], f["held_on"], f["topic"], f["hours"]),
    "attend": lambda app, f, refs: app.record_attendance(
        REGULATOR, refs[f["sess"]], f["agency"], f["staff_ref"], f["staff_name"]),
    "second_start": lambda app, f, refs: app.start_secondment(
        REGULATOR, f["agency"], f["staff_ref"], f["staff_name"], f["department"],
        f["started_on"]),
    "second_end": lambda app, f, refs: app.complete_secondment(
        REGULATOR, refs[f["sec"]], f["ended_on"]),
    "rating": lambda app, f, refs: app.record_purchaser_rating(
        REGULATOR, f["agency"], f["rated_on"], f["purchaser"], f["project_ref"], f["rating"]),
    "provincial": lambda app, f, refs: app.record_provincial_evaluation(
        REGULATOR, f["agency"], f["year"], f["score"]),
    "publish": lambda app, f, refs: app.publish_month(
        REGULATOR, f["month"], f["published_on"]),
}


@dataclass
class Outcome:
    """What a demo run recorded and what the ledger refused (by kind and reason)."""

    recorded: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    events: int = 0
    head: int = 0


def run_ops(ledger: Ledger, batch: Batch, ops: list[Op], refs: dict[str, str],
            outcome: Outcome) -> None:
    """Give the operations as commands in the batch; a refusal is counted and undone, never raised."""
    for op in ops:
        batch.savepoint()
        try:
            recorded = COMMANDS[op.kind](ledger, op.fields, refs)
        except LedgerError as error:
            batch.rollback()
            outcome.refused[(op.kind, type(error).__name__, str(error)[:80])] += 1
            continue
        except KeyError:  # its subject was itself refused, or lies after `until`
            batch.rollback()
            outcome.refused[(op.kind, "SubjectMissing", "")] += 1
            continue
        outcome.recorded[op.kind] += 1
        if "ref" in op.fields:
            refs[op.fields["ref"]] = recorded.id


def saved(outcome: Outcome, recorded: list[Recorded]) -> None:
    if recorded:
        outcome.events += len(recorded)
        outcome.head = recorded[-1].position


def run_demo(ledger: Ledger, planner: Planner,
             progress: Callable[[int], Any] | None = None) -> Outcome:
    """Plan and record the whole history; `progress(n)` after each n months recorded.

    One `Ledger.batch()` for the whole history, flushed (one transaction) whenever about
    BATCH commands are pending at the end of a month: aggregates stay loaded across flushes.
    """
    outcome, refs, months = Outcome(), {}, 0
    with bulk_collection() as freeze, ledger.batch() as batch:
        for _, ops in planner.months():
            run_ops(ledger, batch, ops, refs, outcome)
            months += 1
            if batch.pending() >= BATCH:
                saved(outcome, batch.flush())
                freeze()
                if progress is not None:
                    progress(months)
                months = 0
    saved(outcome, batch.recorded)
    if progress is not None:
        progress(months)
    return outcome
