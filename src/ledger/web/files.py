"""Tables as CSV (UTF-8 with a BOM, so Excel shows the Chinese) or XLSX bytes.

Text from the ledger is shown as it was stored, except in two ways that protect the person
opening the file (docs/EXPORTS.md): text that a spreadsheet would run as a formula (starting
with =, +, -, @, a tab or a carriage return) is made inert, and control characters that a
workbook cannot hold are written as visible escapes (\\x1b). The stored events are untouched.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal

from ledger.web.sheets import Table

MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0 (and so openpyxl) refuses: C0 controls other than tab, newline and CR.
UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
DATE_FORMAT, TIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"
MIN_WIDTH, MAX_WIDTH = 8, 60


def printable(text: str) -> str:
    """Text with each character a workbook cannot hold written as a visible escape."""
    return UNSTORABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def cell(value: object) -> object:
    """CSV: exact numbers as their digits, dates ISO, text inert and printable."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        text = printable(value)
        return "'" + text if formula_like(text) else text  # a leading ' shows as text
    return value


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(h) for h in table.headers])
    writer.writerows([[cell(v) if v is not None else "" for v in row] for row in table.rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_value(value: object) -> object:
    """XLSX: numbers as numbers, dates as date cells, times as UTC without a zone."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):  # recorded_at, in UTC (the header says so)
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, str):
        return printable(value)
    return value


def display_width(value: object) -> int:
    """Columns a value takes on screen: CJK and other wide characters count two."""
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    text = value if isinstance(value, str) else str(value)
    longest = max(text.split("\n"), key=len) if text else ""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def to_xlsx(*tables: Table) -> bytes:
    """One worksheet per table: a bold, frozen header row with filters, typed cells."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(printable(table.title)[:31])
        sheet.append([printable(h) for h in table.headers])
        for c in sheet[1]:
            c.font = Font(bold=True)
        widths = [display_width(h) for h in table.headers]
        for row in table.rows:
            sheet.append([xlsx_value(v) for v in row])
            for i, value in enumerate(row[:len(widths)]):
                if value is not None:
                    widths[i] = max(widths[i], display_width(value))
        for row in sheet.iter_rows(min_row=2):
            for c in row:
                typed(c)
        sheet.freeze_panes = "A2"
        if table.headers:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.headers))}{sheet.max_row}"
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = \
                min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def typed(c) -> None:
    """A cell's format: dates as dates; text that looks like a formula kept as text."""
    if isinstance(c.value, datetime):
        c.number_format = TIME_FORMAT
    elif isinstance(c.value, date):
        c.number_format = DATE_FORMAT
    elif c.data_type == "f" or (isinstance(c.value, str) and formula_like(c.value)):
        c.data_type = "s"  # stored as a string: never evaluated
        c.quotePrefix = True  # and Excel keeps it text when the cell is edited
