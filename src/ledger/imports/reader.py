"""Spreadsheets in: each sheet (or the CSV) as a kind and its rows of field -> text."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import zip_longest
from pathlib import PurePath

from ledger.imports.encoding import csv_text
from ledger.imports.layout import BY_HEADER, ORDER, kind_of
from ledger.imports.limits import (
    MAX_COLUMNS, MAX_FILE_BYTES, MAX_LINE_COMMAS, MAX_ROWS, Unusable,
)
from ledger.imports.xlsx import Row, UnreadableFile, xlsx_tables

__all__ = ["Sheet", "UnreadableFile", "read_sheets", "sheet_of", "text_of"]
# The csv module refuses a field over 128 KB with an error that names no row; the file is at
# most MAX_FILE_BYTES, and a long field is refused by its row (ledger.imports.rows) instead.
csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))


@dataclass
class Sheet:
    """One sheet of rows of a known kind; `numbers` are the spreadsheet's own row numbers."""

    name: str
    kind: str
    rows: list[dict[str, object]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    problems: dict[int, str] = field(default_factory=dict)  # row number -> why it is refused


def text_of(value: object) -> str | Unusable:
    """A cell as the text a person typed: dates as YYYY-MM-DD, 3.0 as 3."""
    if type(value) is str:  # most cells
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, Unusable):
        return value
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value).strip()


def header_of(value: object) -> str:
    text = text_of(value)
    return text if isinstance(text, str) else ""


def sheet_of(name: str, table: list[Row]) -> Sheet | None:
    """A sheet from its non-blank rows (number, values, problem), the first its header row."""
    if not table:
        return None
    _, titles, _ = table[0]
    fields = [BY_HEADER.get(header_of(h).lower()) for h in titles]
    kind = kind_of({f for f in fields if f})
    if kind is None:
        shown = "、".join(t for t in map(header_of, titles[:MAX_COLUMNS]) if t)[:300]
        raise UnreadableFile(f"“{name}”第 {table[0][0]} 行（首行）没有可识别的列名（{shown}）；"
                             "请使用导出的交换文件的列名，如“统一社会信用代码”“扣分项”。"
                             f" (Sheet {name!r}: no known columns in its first row.)")
    sheet = Sheet(name, kind)
    for number, row, problem in table[1:]:
        sheet.rows.append({f: text_of(v) for f, v in zip_longest(fields, row[:len(fields)]) if f})
        sheet.numbers.append(number)
        if problem:
            sheet.problems[number] = problem
    return sheet


def read_csv(data: bytes, name: str) -> list[Sheet]:
    """The CSV's one sheet: UTF-8 or GB18030 text (ledger.imports.encoding), rows bounded."""
    table: list[Row] = []
    reader = csv.reader(bounded_lines(csv_text(data, name), name))
    number = 0
    try:
        for number, row in enumerate(reader, start=1):
            if len(row) > MAX_COLUMNS:
                table.append((number, row[:MAX_COLUMNS],
                              f"有 {len(row)} 列，超出了导入读取的前 {MAX_COLUMNS} 列"
                              f" (more than {MAX_COLUMNS} cells)"))
            elif any(cell.strip() for cell in row):
                table.append((number, row, None))
            else:
                continue
            if len(table) > MAX_ROWS + 1:
                raise UnreadableFile(f"{name} 超过 {MAX_ROWS:,} 行数据，无法导入；请拆分成几个较小的文件。"
                                     f" (More than {MAX_ROWS:,} data rows.)")
    except csv.Error as error:
        raise UnreadableFile(f"{name} 第 {number + 1} 行不是有效的 CSV（{error}）。") from None
    sheet = sheet_of(name, table)
    return [sheet] if sheet else []


def bounded_lines(text: str, name: str) -> Iterator[str]:
    """The text's lines, refusing one with so many commas that its row would not fit in memory."""
    start, number = 0, 0
    newline = "\r" if "\n" not in text else "\n"  # CR alone: "CSV (Macintosh)"
    while start < len(text):
        end = text.find(newline, start) + 1 or len(text)
        number += 1
        if text.count(",", start, end) > MAX_LINE_COMMAS:
            raise UnreadableFile(f"{name} 第 {number} 行有超过 {MAX_LINE_COMMAS:,} 个逗号，不是导入"
                                 f"用的表格。 (More than {MAX_LINE_COMMAS:,} commas in one line.)")
        yield text[start:end]
        start = end


def read_xlsx(data: bytes) -> list[Sheet]:
    """Every worksheet of the workbook, read by the streaming reader (ledger.imports.xlsx)."""
    sheets = [sheet_of(title, table) for title, table in xlsx_tables(data)]
    return [s for s in sheets if s]


def read_sheets(data: bytes, filename: str) -> list[Sheet]:
    """Every sheet of a CSV or XLSX file, agencies first, then deductions, attendance, secondments."""
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(too_big(filename))
    suffix = PurePath(base_name(filename)).suffix.lower()
    if suffix == ".csv":
        sheets = read_csv(data, base_name(filename))
    elif suffix == ".xlsx":
        sheets = read_xlsx(data)
    else:
        raise UnreadableFile(f"{filename}：只能导入 .csv 和 .xlsx 文件；.xls 请另存为“Excel 工作簿 (*.xlsx)”。"
                             " (Only .csv and .xlsx files can be imported.)")
    return sorted(sheets, key=lambda s: ORDER.index(s.kind))


def base_name(filename: str) -> str:
    """The file's own name: a browser may send the whole path (C:\\Users\\…\\扣分.csv)."""
    return PurePath(filename.replace("\\", "/")).name


def too_big(filename: str) -> str:
    return (f"{filename} 超过 {MAX_FILE_BYTES // 2**20} MB，无法导入；请拆分成几个较小的文件。"
            f" (Larger than {MAX_FILE_BYTES // 2**20} MB.)")
