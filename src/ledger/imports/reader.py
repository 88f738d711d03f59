"""Spreadsheets in: each sheet (or the CSV) as a kind and its rows of field -> text."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
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
    if type(value) is str:  # most cells
        return value.strip()
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
    """Every worksheet of the workbook: read by `xlsx_tables`, or by openpyxl if it cannot."""
    try:
        tables = xlsx_tables(data)
    except Exception:  # noqa: BLE001 - anything unusual is left to openpyxl, which reports it
        return read_xlsx_openpyxl(data)
    sheets = [sheet_of(title, table) for title, table in tables]
    return [s for s in sheets if s]


def read_xlsx_openpyxl(data: bytes) -> list[Sheet]:
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


# -- a lean XLSX reader ---------------------------------------------------------------------
# openpyxl reads about 6,000 rows a second here (a Python object and several calls per cell);
# the import checks and records over 20,000 events a second, so reading was most of an
# import's time. This reads the same values openpyxl gives with values_only and data_only
# (tests/imports/test_reader.py compares them): shared, inline and formula strings, numbers as
# int or float, booleans, ISO dates, and numbers in a date format as datetimes (openpyxl's own
# stylesheet parsing and date conversion are used for those).

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _part(base: str, target: str) -> str:
    """A relationship target as a path inside the zip."""
    import posixpath

    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base, target))


def _text(node: object) -> str:
    """The text of a shared or inline string (<t>, or rich-text runs; phonetic runs left out)."""
    parts = []
    for child in node:
        if child.tag == MAIN + "t":
            parts.append(child.text or "")
        elif child.tag == MAIN + "r":
            t = child.find(MAIN + "t")
            if t is not None:
                parts.append(t.text or "")
    return "".join(parts)


def xlsx_tables(data: bytes) -> list[tuple[str, list[list[object]]]]:
    """Each worksheet's title and rows of cell values, as openpyxl's values_only rows."""
    import zipfile
    from xml.etree.ElementTree import fromstring

    from openpyxl.styles.stylesheet import Stylesheet
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
    from openpyxl.utils.datetime import from_ISO8601

    book = zipfile.ZipFile(io.BytesIO(data))
    workbook = fromstring(book.read("xl/workbook.xml"))
    rels = {r.get("Id"): (r.get("Type", ""), _part("xl", r.get("Target", "")))
            for r in fromstring(book.read("xl/_rels/workbook.xml.rels"))
            if r.tag == PKG_REL + "Relationship"}
    by_type = {kind.rsplit("/", 1)[-1]: path for kind, path in rels.values()}
    strings: list[str] = []
    if "sharedStrings" in by_type:
        for node in fromstring(book.read(by_type["sharedStrings"])).iter(MAIN + "si"):
            t = node.find(MAIN + "t")  # plain text is one <t>; rich text, runs
            text = (t.text or "") if t is not None and len(node) == 1 else _text(node)
            strings.append(text.replace("x005F_", "") if "x005F_" in text else text)
    dates: set[int] = set()
    durations: set[int] = set()
    if "styles" in by_type:
        styles = Stylesheet.from_tree(fromstring(book.read(by_type["styles"])))
        dates, durations = styles.date_formats, styles.timedelta_formats
    pr = workbook.find(MAIN + "workbookPr")
    epoch = (CALENDAR_MAC_1904 if pr is not None and pr.get("date1904") in ("1", "true")
             else CALENDAR_WINDOWS_1900)
    tables = []
    for sheet in workbook.iter(MAIN + "sheet"):
        kind, path = rels[sheet.get(REL + "id")]
        if not kind.endswith("/worksheet"):
            continue  # chartsheets and the like hold no cells
        tables.append((sheet.get("name"), _rows(book.open(path), strings, dates, durations,
                                                epoch, from_excel, from_ISO8601)))
    return tables


@lru_cache(maxsize=4096)
def _letters(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _column(ref: str) -> int:
    """The column number of a cell reference (A1 -> 1, AB12 -> 28)."""
    return _letters(ref.rstrip("0123456789"))


def _rows(stream: object, strings: list[str], dates: set[int], durations: set[int],
          epoch: object, from_excel: object, from_iso: object) -> list[list[object]]:
    from xml.etree.ElementTree import iterparse

    row_tag, cell_tag, v_tag, is_tag = MAIN + "row", MAIN + "c", MAIN + "v", MAIN + "is"
    rows: list[list[object]] = []
    width = 0  # the sheet's stated width: rows are padded to it, as openpyxl pads them
    dimension_tag, data_tag = MAIN + "dimension", MAIN + "sheetData"
    for _, node in iterparse(stream):
        tag = node.tag
        if tag != row_tag:
            if tag == dimension_tag:
                width = _column((node.get("ref") or "").rpartition(":")[2])
            elif tag == data_tag:
                node.clear()
            continue
        values: list[object] = []
        column = 0
        for cell in node:
            if cell.tag != cell_tag:
                continue
            ref = cell.get("r")
            column = _column(ref) if ref else column + 1
            kind = cell.get("t", "n")
            value: object = None
            if kind == "s":
                value = cell.findtext(v_tag) or None
                if value is not None:
                    value = strings[int(value)]
            elif kind == "inlineStr":
                child = cell.find(is_tag)
                value = _text(child) if child is not None else None
            else:
                value = cell.findtext(v_tag) or None
                if value is not None:
                    if kind == "n":
                        value = (float(value) if "." in value or "E" in value or "e" in value
                                 else int(value))
                        style = int(cell.get("s") or 0)
                        if style in dates:
                            try:
                                value = from_excel(value, epoch, timedelta=style in durations)
                            except (OverflowError, ValueError):
                                value = "#VALUE!"
                    elif kind == "b":
                        value = bool(int(value))
                    elif kind == "d":
                        value = from_iso(value)
            if column > len(values):
                values.extend([None] * (column - len(values)))
            values[column - 1] = value
        rows.append(values)
        node.clear()
    # (openpyxl also drops cells right of or below the stated dimension; they are kept here.)
    for values in rows:
        if len(values) < width:
            values.extend([None] * (width - len(values)))
    return rows
