"""Importing one file: every row checked by the application layer, then all recorded or none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ledger.application import Ledger
from ledger.domain.errors import InvalidInput, NotFound, NotPermitted, RuleViolation
from ledger.domain.principals import RECORD, Principal, authorize
from ledger.imports.reader import read_sheets
from ledger.imports.rows import COMMANDS, Row, Sessions
from ledger.imports.staging import StagedLedger

REFUSALS = (InvalidInput, RuleViolation, NotFound, NotPermitted)


@dataclass(frozen=True)
class Refusal:
    """A row the ledger refused: where it is and the ledger's reason."""

    sheet: str
    row: int
    message: str


@dataclass
class Report:
    """What an import checked, refused and recorded."""

    rows: int = 0
    accepted: int = 0
    refused: list[Refusal] = field(default_factory=list)
    recorded: bool = False
    events: int = 0
    position: int = 0

    def lines(self) -> list[str]:
        out = [f"{r.sheet} row {r.row}: {r.message}" for r in self.refused]
        if self.recorded:
            out.append(f"{self.accepted} of {self.rows} rows recorded ({self.events} events, "
                       f"last position {self.position}).")
        else:
            out.append(f"Nothing recorded: {len(self.refused)} of {self.rows} rows refused.")
        return out


def count_rows(data: bytes, filename: str) -> int:
    return sum(len(s.rows) for s in read_sheets(data, filename))


def import_file(ledger: Ledger, by: Principal, data: bytes, filename: str,
                accept_valid: bool = False,
                progress: Callable[[int], None] = lambda n: None) -> Report:
    """Check every row against the ledger's rules in a staging ledger, then record all or none.

    By default one refused row records nothing; with `accept_valid` the valid rows are recorded
    (still in one transaction) and the refused ones reported.
    """
    authorize(by, RECORD)
    staging, sessions, report = StagedLedger(ledger), Sessions(), Report()
    for sheet in read_sheets(data, filename):
        for cells, number in zip(sheet.rows, sheet.numbers):
            report.rows += 1
            staging.begin_row()
            sessions_before = dict(sessions.made)
            try:
                COMMANDS[sheet.kind](staging, by, Row(sheet.kind, cells), sessions)
                report.accepted += 1
            except REFUSALS as error:
                staging.rollback_row()
                sessions.made = sessions_before
                report.refused.append(Refusal(sheet.name, number, error.message))
            progress(1)
    if report.refused and not accept_valid:
        staging.close()
        return report
    report.events = staging.pending()
    report.position = staging.commit()
    report.recorded = True
    return report
