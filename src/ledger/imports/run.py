"""Importing one file: every row checked by the application layer, then all recorded or none."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from ledger.application import Ledger
from ledger.domain.errors import InvalidInput, NotFound, NotPermitted, RuleViolation
from ledger.domain.principals import RECORD, Principal, authorize
from ledger.domain.text import NAME_LIMIT
from ledger.imports.identity import derived_ids, row_key
from ledger.imports.reader import UnreadableFile, base_name, read_sheets
from ledger.imports.rows import COMMANDS, Row, Sessions, text_refusal

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
    accepted: int = 0  # rows that added something to the ledger
    already: int = 0  # rows whose every fact the ledger already had: nothing recorded for them
    refused: list[Refusal] = field(default_factory=list)
    recorded: bool = False
    events: int = 0
    position: int = 0
    file: str = ""
    sha256: str = ""

    def lines(self) -> list[str]:
        out = [f"{r.sheet} row {r.row}: {r.message}" for r in self.refused]
        if self.already:
            out.append(f"{self.already} 行此前已记录，未重复记录 "
                       f"({self.already} of {self.rows} rows were already recorded).")
        if not self.rows:
            out.append("文件中没有数据行，未记录任何内容 (no data rows: nothing recorded).")
        elif self.recorded and not self.events:
            out.append(f"没有新内容，未记录任何事件 (nothing new: no event recorded); "
                       f"{self.file} SHA-256 {self.sha256}.")
        elif self.recorded:
            out.append(f"{self.accepted} of {self.rows} rows recorded ({self.events} events, "
                       f"last position {self.position}) from {self.file} SHA-256 {self.sha256}.")
        else:
            out.append(f"Nothing recorded: {len(self.refused)} of {self.rows} rows refused.")
        return out


def count_rows(data: bytes, filename: str) -> int:
    return sum(len(s.rows) for s in read_sheets(data, filename))


def source_name(filename: str) -> str:
    """The file's own name (no folders), as recorded with each event; refused if unstorable."""
    name = base_name(filename)
    problem = text_refusal(name, NAME_LIMIT) if name.strip() else "为空 (empty)"
    if problem:
        raise UnreadableFile(f"文件名{problem}；请重命名后再导入。")
    return name


def import_file(ledger: Ledger, by: Principal, data: bytes, filename: str,
                accept_valid: bool = False,
                progress: Callable[[int], None] = lambda n: None) -> Report:
    """Check every row against the ledger's rules in one batch, then record all or none.

    The rows' commands run in a `Ledger.batch()`: checked one by one exactly as the API's,
    kept in memory, later rows seeing earlier ones; a refused row is rolled back to the
    savepoint taken before it. By default one refused row records nothing (the batch is
    cancelled); with `accept_valid` the valid rows are recorded (still in one transaction)
    and the refused ones reported.

    A row the ledger already has adds nothing (`Report.already`); a row repeating an earlier
    row of the same file is refused. Every event recorded carries `source_file` and
    `source_sha256`: the file's name and the SHA-256 of its bytes.
    """
    authorize(by, RECORD)
    if not by.name or text_refusal(by.name, NAME_LIMIT):
        raise InvalidInput.field("recorded_by", "must name the regulator importing the file")
    report = Report(file=source_name(filename), sha256=hashlib.sha256(data).hexdigest())
    sessions = Sessions()
    sheets = read_sheets(data, filename)
    seen: dict[tuple, str] = {}  # each row's identity -> where in the file it was first
    with ledger.batch() as batch:
        for sheet in sheets:
            batch.look_up(derived_ids(sheet.kind, sheet.rows))
            command = COMMANDS[sheet.kind]
            for cells, number in zip(sheet.rows, sheet.numbers):
                report.rows += 1
                batch.savepoint()
                try:
                    if number in sheet.problems:
                        raise InvalidInput.field("行", sheet.problems[number])
                    row = Row(sheet.kind, cells)
                    key = row_key(sheet.kind, cells)
                    if key in seen:
                        raise RuleViolation(f"与本文件{seen[key]}相同，同一行只记录一次 "
                                            "(a repeat of an earlier row of this file).")
                    if command(ledger, by, row, sessions):
                        report.accepted += 1
                    else:
                        report.already += 1
                    seen[key] = f"“{sheet.name}”第 {number} 行"
                except REFUSALS as error:
                    batch.rollback()
                    report.refused.append(Refusal(sheet.name, number, error.message))
                if report.rows % PROGRESS_EVERY == 0:
                    progress(PROGRESS_EVERY)
        progress(report.rows % PROGRESS_EVERY)
        if report.refused and not accept_valid:
            batch.cancel()
            return report
        report.events = batch.pending()
        for event in batch.events:
            # Provenance: stored with the event's own fields, shown by the events route. The
            # aggregates take only the fields their methods name, so replay is unchanged.
            vars(event).update(source_file=report.file, source_sha256=report.sha256)
    report.position = batch.recorded[-1].position if batch.recorded else 0
    report.recorded = True
    return report
