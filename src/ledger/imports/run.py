"""Importing one file: every row checked by the application layer, then all recorded or none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ledger.application import Ledger
from ledger.domain.errors import InvalidInput, NotFound, NotPermitted, RuleViolation
from ledger.domain.principals import RECORD, Principal, authorize
from ledger.imports.reader import read_sheets
from ledger.imports.rows import COMMANDS, Row, Sessions

REFUSALS = (InvalidInput, RuleViolation, NotFound, NotPermitted)
PROGRESS_EVERY = 500  # rows between progress reports


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
    """Check every row against the ledger's rules in one batch, then record all or none.

    The rows' commands run in a `Ledger.batch()`: checked one by one exactly as the API's,
    kept in memory, later rows seeing earlier ones; a refused row is rolled back to the
    savepoint taken before it. By default one refused row records nothing (the batch is
    cancelled); with `accept_valid` the valid rows are recorded (still in one transaction)
    and the refused ones reported.
    """
    authorize(by, RECORD)
    sessions, report = Sessions(), Report()
    sheets = read_sheets(data, filename)
    with ledger.batch() as batch:
        for sheet in sheets:
            command = COMMANDS[sheet.kind]
            for cells, number in zip(sheet.rows, sheet.numbers):
                report.rows += 1
                batch.savepoint()
                sessions.savepoint()
                try:
                    command(ledger, by, Row(sheet.kind, cells), sessions)
                    report.accepted += 1
                except REFUSALS as error:
                    batch.rollback()
                    sessions.rollback()
                    report.refused.append(Refusal(sheet.name, number, error.message))
                if report.rows % PROGRESS_EVERY == 0:
                    progress(PROGRESS_EVERY)
        progress(report.rows % PROGRESS_EVERY)
        if report.refused and not accept_valid:
            batch.cancel()
            return report
        report.events = batch.pending()
    report.position = batch.recorded[-1].position if batch.recorded else 0
    report.recorded = True
    return report
