"""Tables as CSV (UTF-8 with a BOM, so Excel shows the Chinese) or XLSX bytes."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from ledger.web.sheets import Table

MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def cell(value: object) -> object:
    """Exact numbers stay exact in CSV; XLSX gets numbers as numbers, times without zone."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    writer.writerows([[cell(v) if v is not None else "" for v in row] for row in table.rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_value(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return cell(value)  # as text: a civil date must not shift, and openpyxl drops zones
    return value


def to_xlsx(*tables: Table) -> bytes:
    """One worksheet per table, headers bold and frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.title[:31])
        sheet.append(table.headers)
        for c in sheet[1]:
            c.font = Font(bold=True)
        for row in table.rows:
            sheet.append([xlsx_value(v) for v in row])
        sheet.freeze_panes = "A2"
        for column, title in zip(sheet.columns, table.headers):
            sheet.column_dimensions[column[0].column_letter].width = max(10, 2 * len(title) + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
