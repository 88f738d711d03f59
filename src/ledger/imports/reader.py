"""Spreadsheets in: each sheet (or the CSV) as a kind and its rows of field -> text."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from ledger.imports.layout import BY_HEADER, ORDER, kind_of


class UnreadableFile(Exception):
    """The file is not a CSV or XLSX the importer can read, or a sheet's kind is unknown."""


@dataclass
class Sheet:
    """One sheet of rows of a known kind; `numbers` are the spreadsheet's own row numbers."""

    name: str
    kind: str
    rows: list[dict[str, str]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)


def text_of(value: object) -> str:
    """A cell as the text a person typed: dates as YYYY-MM-DD, 3.0 as 3."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value).strip()


def sheet_of(name: str, table: list[list[object]]) -> Sheet | None:
    """A sheet from its header row and data rows; None for an empty sheet."""
    table = [row for row in table if any(text_of(v) for v in row)] if table else []
    if not table:
        return None
    fields = [BY_HEADER.get(text_of(h).lower()) for h in table[0]]
    kind = kind_of({f for f in fields if f})
    if kind is None:
        raise UnreadableFile(f"Sheet {name!r}: no known columns in its first row "
                             f"({', '.join(text_of(h) for h in table[0])}).")
    sheet = Sheet(name, kind)
    for number, row in enumerate(table[1:], start=2):
        sheet.rows.append({f: text_of(v) for f, v in zip(fields, row) if f})
        sheet.numbers.append(number)
    return sheet


def read_csv(data: bytes, name: str) -> list[Sheet]:
    text = data.decode("utf-8-sig")  # Excel writes a BOM before UTF-8 CSV
    sheet = sheet_of(name, list(csv.reader(io.StringIO(text))))
    return [sheet] if sheet else []


def read_xlsx(data: bytes) -> list[Sheet]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any unreadable workbook is reported as such
        raise UnreadableFile(f"Not a readable XLSX workbook: {error}") from None
    sheets = [sheet_of(ws.title, [list(r) for r in ws.iter_rows(values_only=True)])
              for ws in book.worksheets]
    return [s for s in sheets if s]


def read_sheets(data: bytes, filename: str) -> list[Sheet]:
    """Every sheet of a CSV or XLSX file, agencies first, then deductions, attendance, secondments."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        sheets = read_csv(data, Path(filename).name)
    elif suffix == ".xlsx":
        sheets = read_xlsx(data)
    else:
        raise UnreadableFile(f"{filename}: only .csv and .xlsx files can be imported.")
    return sorted(sheets, key=lambda s: ORDER.index(s.kind))
