"""The lean XLSX reader gives what openpyxl gives, so the importer reads the same rows."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from bench.imports import exchange_rows, workbook
from ledger.imports.layout import DEDUCTIONS, SHEET_NAMES, headers
from ledger.imports.reader import read_xlsx, sheet_of
from ledger.imports.xlsx import xlsx_tables
from ledger.web.files import to_xlsx
from ledger.web.sheets import Table


def trimmed(rows: list) -> list:
    """Rows without trailing empty cells, blank rows left out (openpyxl pads both)."""
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        if row:
            out.append(row)
    return out


def read_xlsx_openpyxl(data: bytes) -> list:
    """The sheets as openpyxl's read-only mode gives them: the reference the reader matches."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheets = [sheet_of(ws.title, [(n, row, None) for n, row in enumerate(
        ws.iter_rows(values_only=True), start=1) if any(v is not None for v in row)])
        for ws in book.worksheets]
    return [s for s in sheets if s]


def assert_same_as_openpyxl(data: bytes) -> None:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    expected = [(ws.title, trimmed(ws.iter_rows(values_only=True))) for ws in book.worksheets]
    assert [(title, trimmed(row for _, row, _ in rows))
            for title, rows in xlsx_tables(data)] == expected
    assert read_xlsx(data) == read_xlsx_openpyxl(data)


def test_the_exchange_workbook_reads_the_same():
    sheets, _ = exchange_rows(800)
    assert_same_as_openpyxl(workbook(sheets))


def test_an_exported_workbook_with_styles_reads_the_same():
    table = Table(SHEET_NAMES[DEDUCTIONS], headers(DEDUCTIONS) + ["基础分"],
                  [["91341800H9EH9J1GRF", "D01", date(2022, 3, 1), None, "逾期 \"公告\"",
                    "P-1", date(2022, 3, 9), "已整改", None, Decimal("1.5")]])
    assert_same_as_openpyxl(to_xlsx(table))


def test_typed_cells_read_the_same():
    book = Workbook()
    sheet = book.active
    sheet.title = "扣分"
    sheet.append(headers(DEDUCTIONS))
    sheet.append(["91341800H9EH9J1GRF", "D02", datetime(2022, 3, 1), date(2022, 3, 2),
                  " spaced ", 12345, 3.25, True, "=1+1"])
    sheet.append([None, None, None])
    sheet.append(["91341800NNDMLAR0UG", "D03", datetime(2022, 3, 1, 9, 30), time(8, 15),
                  "x005F_ mark", 1e-7, -4, False, None])
    sheet["L7"] = "far right"
    sheet["B8"] = 2.5
    sheet["B8"].number_format = "0.00%"
    sheet["C8"] = 44621
    sheet["C8"].number_format = "yyyy-mm-dd"
    book.create_sheet("空白")
    out = io.BytesIO()
    book.save(out)
    assert_same_as_openpyxl(out.getvalue())


def test_inline_strings_and_a_1904_workbook_read_the_same():
    source = io.BytesIO()
    book = Workbook()
    book.active.append(["统一社会信用代码", "发现日期", "扣分项"])
    book.active.append(["placeholder", 1, "D01"])
    book.active["B2"].number_format = "yyyy-mm-dd"
    book.save(source)
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                body = body.replace(b"<workbookPr", b'<workbookPr date1904="1"', 1)
            if item.filename == "xl/worksheets/sheet1.xml":
                start = body.index(b'<c r="A2"')
                end = body.index(b"</c>", start) + 4
                body = (body[:start] + b'<c r="A2" t="inlineStr"><is><r><t>91341800</t></r>'
                        b'<r><t xml:space="preserve">H9EH9J1GRF </t></r></is></c>' + body[end:])
            zout.writestr(item, body)
    assert_same_as_openpyxl(out.getvalue())
    assert xlsx_tables(out.getvalue())[0][1][1][1][0] == "91341800H9EH9J1GRF "
