"""A streaming XLSX reader: each worksheet's rows of cell values, in bounded memory.

The zip's parts are read in chunks and parsed with expat's callbacks, so no XML tree and no
whole text node is ever held: a shared string or cell longer than any field takes is counted,
not kept, and becomes an `Unusable` cell (its row is refused, naming the column). The sheet's
`<dimension>` is ignored; cell references are checked; rows, columns, unpacked bytes and kept
text are bounded (`ledger.imports.limits`). Values are those openpyxl gives in read-only mode
with values_only and data_only (tests/imports/test_reader.py compares them): shared, inline and
formula strings, numbers as int or float, booleans, ISO dates, and numbers in a date format as
datetimes (openpyxl's own stylesheet parsing and date conversion are used for those).
"""

from __future__ import annotations

import io
import math
import posixpath
import re
import zipfile
import zlib
from functools import lru_cache
from typing import Any
from xml.etree.ElementTree import ParseError, fromstring
from xml.parsers import expat

from ledger.imports.limits import (
    MAX_CELL_CHARS, MAX_CELLS, MAX_COLUMNS, MAX_KEPT_CHARS, MAX_ROWS, MAX_SMALL_PART_BYTES,
    MAX_UNPACKED_BYTES, Unusable, too_long,
)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships}"
ROW, CELL, VALUE, INLINE, TEXT, PHONETIC, ITEM = (
    MAIN + n for n in ("row", "c", "v", "is", "t", "rPh", "si"))
CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
EXCEL_COLUMNS = 16384  # XFD
CHUNK = 1 << 16

Row = tuple[int, list[Any], str | None]  # the sheet's row number, its values, why it is refused


class UnreadableFile(Exception):
    """The file is not a CSV or XLSX the importer can read, or a sheet's kind is unknown."""


class Budget:
    """What one workbook has cost so far: XML unpacked, text and cells kept, data rows."""

    def __init__(self) -> None:
        self.unpacked = self.kept = self.rows = self.cells = 0

    def unpack(self, size: int) -> None:
        self.unpacked += size
        if self.unpacked > MAX_UNPACKED_BYTES:
            raise UnreadableFile(f"工作簿解压后超过 {MAX_UNPACKED_BYTES // 2**20} MB，无法导入；"
                                 "请拆分成几个较小的文件。(The workbook unpacks to more than "
                                 f"{MAX_UNPACKED_BYTES // 2**20} MB.)")

    def keep(self, size: int) -> None:
        self.kept += size
        if self.kept > MAX_KEPT_CHARS:
            raise UnreadableFile(f"工作簿中的文字超过 {MAX_KEPT_CHARS:,} 个字符，无法导入；"
                                 "请拆分成几个较小的文件。(Too much text in one workbook.)")

    def cell(self) -> None:
        self.cells += 1
        if self.cells > MAX_CELLS:
            raise UnreadableFile(f"工作簿超过 {MAX_CELLS:,} 个非空单元格，无法导入；请拆分成几个较小的文件。"
                                 f"(More than {MAX_CELLS:,} cells.)")

    def row(self) -> None:
        self.rows += 1
        if self.rows > MAX_ROWS:
            raise UnreadableFile(f"文件超过 {MAX_ROWS:,} 行数据，无法导入；请拆分成几个较小的文件。"
                                 f"(More than {MAX_ROWS:,} data rows.)")


def _parser(handler: Any) -> Any:
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.buffer_size = CHUNK
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _no_doctype
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.data
    return parser


def _no_doctype(*_: Any) -> None:
    raise UnreadableFile("工作簿的 XML 含有 DTD 声明，不是 Excel 保存的文件。(A DTD in the workbook.)")


def _stream(book: zipfile.ZipFile, path: str, handler: Any, budget: Budget, what: str) -> None:
    parser = _parser(handler)
    try:
        with book.open(path) as stream:
            while chunk := stream.read(CHUNK):
                budget.unpack(len(chunk))
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise UnreadableFile(f"{what}的 XML 有误（第 {error.lineno} 行第 {error.offset + 1} 列："
                             f"{expat.ErrorString(error.code)}），请用 Excel 打开后重新保存。") from None


def _small(book: zipfile.ZipFile, path: str, budget: Budget) -> Any:
    """A small part (workbook, relationships, styles) as an ElementTree element."""
    with book.open(path) as stream:
        data = stream.read(MAX_SMALL_PART_BYTES + 1)
    if len(data) > MAX_SMALL_PART_BYTES or b"<!DOCTYPE" in data:
        raise UnreadableFile(f"工作簿的 {path} 不是 Excel 保存的样子，无法导入。")
    budget.unpack(len(data))
    try:
        return fromstring(data)
    except ParseError as error:
        raise UnreadableFile(f"工作簿的 {path} 有误（{error}），请用 Excel 打开后重新保存。") from None


def _part(base: str, target: str) -> str:
    """A relationship target as a path inside the zip."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base, target))


def xlsx_tables(data: bytes) -> list[tuple[str, list[Row]]]:
    """Each worksheet's title and its non-blank rows; UnreadableFile when it cannot be read."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        return _tables(book, Budget())
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, NotImplementedError,
            ValueError) as error:
        raise UnreadableFile(f"不是可读取的 XLSX 工作簿（{error}）；请用 Excel 或 WPS 另存为"
                             "“Excel 工作簿 (*.xlsx)”后再导入。(Not a readable XLSX workbook.)") from None


def _tables(book: zipfile.ZipFile, budget: Budget) -> list[tuple[str, list[Row]]]:
    from openpyxl.styles.stylesheet import Stylesheet
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

    workbook = _small(book, "xl/workbook.xml", budget)
    rels = {r.get("Id"): (r.get("Type", ""), _part("xl", r.get("Target", "")))
            for r in _small(book, "xl/_rels/workbook.xml.rels", budget)
            if r.tag == "{" + PKG_REL + "Relationship"}
    by_type = {kind.rsplit("/", 1)[-1]: path for kind, path in rels.values()}
    strings = SharedStrings(budget)
    if "sharedStrings" in by_type:
        _stream(book, by_type["sharedStrings"], strings, budget, "共享字符串表")
    dates: set[int] = set()
    durations: set[int] = set()
    if "styles" in by_type:
        tree = _small(book, by_type["styles"], budget)
        try:
            styles = Stylesheet.from_tree(tree)
        except Exception as error:  # noqa: BLE001 - openpyxl's own parsing fails in many ways
            raise UnreadableFile(f"工作簿的样式表有误（{type(error).__name__}），请用 Excel 打开后"
                                 "重新保存。(The workbook's styles cannot be read.)") from None
        dates, durations = styles.date_formats, styles.timedelta_formats
    pr = workbook.find("{" + MAIN + "workbookPr")
    epoch = (CALENDAR_MAC_1904 if pr is not None and pr.get("date1904") in ("1", "true")
             else CALENDAR_WINDOWS_1900)
    tables = []
    for sheet in workbook.iter("{" + MAIN + "sheet"):
        kind, path = rels[sheet.get("{" + REL + "id")]
        if not kind.endswith("/worksheet"):
            continue  # chartsheets and the like hold no cells
        title = sheet.get("name") or path
        reader = SheetRows(strings.strings, dates, durations, epoch, budget)
        _stream(book, path, reader, budget, f"工作表“{title}”")
        tables.append((title, reader.rows))
    return tables


class SharedStrings:
    """expat handler: the shared string table, each string at most MAX_CELL_CHARS kept."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.strings: list[str | Unusable] = []
        self.parts: list[str] = []
        self.length = 0
        self.collect = False
        self.phonetic = 0

    def start(self, name: str, attrs: dict) -> None:
        if name == TEXT:
            self.collect = not self.phonetic
        elif name == ITEM:
            self.parts, self.length = [], 0
        elif name == PHONETIC:
            self.phonetic += 1

    def data(self, text: str) -> None:
        if self.collect:
            self.length += len(text)
            if self.length <= MAX_CELL_CHARS:
                self.parts.append(text)

    def end(self, name: str) -> None:
        if name == TEXT:
            self.collect = False
        elif name == PHONETIC:
            self.phonetic -= 1
        elif name == ITEM:
            if self.length > MAX_CELL_CHARS:
                self.strings.append(too_long(self.length))
            else:
                text = "".join(self.parts)
                self.budget.keep(len(text))
                self.strings.append(text.replace("x005F_", "") if "x005F_" in text else text)
            self.parts = []


@lru_cache(maxsize=4096)
def _letters(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


class SheetRows:
    """expat handler: a worksheet's non-blank rows as (number, values, problem)."""

    def __init__(self, strings: list, dates: set[int], durations: set[int], epoch: Any,
                 budget: Budget) -> None:
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        self.strings, self.dates, self.durations, self.epoch = strings, dates, durations, epoch
        self.from_excel, self.from_iso, self.budget = from_excel, from_ISO8601, budget
        self.rows: list[Row] = []
        self.number = 0
        self.values: list[Any] = []
        self.problem: str | None = None
        self.column = 0
        self.ref: str | None = None
        self.kind = "n"
        self.style: str | None = None
        self.parts: list[str] = []
        self.length = 0
        self.has_value = self.inline = self.collect = False
        self.phonetic = 0

    def start(self, name: str, attrs: dict) -> None:
        if name == CELL:
            self.ref, self.kind, self.style = attrs.get("r"), attrs.get("t", "n"), attrs.get("s")
            self.parts, self.length = [], 0
            self.has_value = self.inline = False
        elif name == VALUE:
            self.collect = self.has_value = True
        elif name == TEXT:
            self.collect = self.inline and not self.phonetic
        elif name == INLINE:
            self.inline = self.has_value = True
        elif name == PHONETIC:
            self.phonetic += 1
        elif name == ROW:
            given = attrs.get("r", "")
            self.number = int(given) if given.isascii() and given.isdigit() and len(given) < 8 else self.number + 1
            self.values, self.problem, self.column = [], None, 0

    def data(self, text: str) -> None:
        if self.collect:
            self.length += len(text)
            if self.length <= MAX_CELL_CHARS:
                self.parts.append(text)

    def end(self, name: str) -> None:
        if name == VALUE or name == TEXT:
            self.collect = False
        elif name == CELL:
            self.cell()
        elif name == PHONETIC:
            self.phonetic -= 1
        elif name == ROW:
            values = self.values
            if self.problem or any(v is not None and (type(v) is not str or v.strip())
                                   for v in values):
                self.budget.row()
                self.rows.append((self.number, values, self.problem))

    def cell(self) -> None:
        ref = self.ref
        if ref:
            match = CELL_REF.fullmatch(ref)
            column = _letters(match.group(1)) if match else 0
            if not match or column > EXCEL_COLUMNS:
                self.problem = self.problem or f"单元格引用“{ref[:20]}”无效 (invalid cell reference)"
                return
        else:
            column = self.column + 1
        self.column = column
        if column > MAX_COLUMNS:
            self.problem = self.problem or (
                f"单元格 {ref or column} 超出了导入读取的前 {MAX_COLUMNS} 列"
                f" (a cell beyond column {MAX_COLUMNS})")
            return
        value = self.value()
        if value is not None:
            self.budget.cell()
            if type(value) is str:
                self.budget.keep(len(value))
        values = self.values
        if column > len(values):
            values.extend([None] * (column - len(values)))
        values[column - 1] = value

    def value(self) -> Any:
        if self.length > MAX_CELL_CHARS:
            return too_long(self.length)
        text = "".join(self.parts)
        kind = self.kind
        if kind == "inlineStr":
            return text if self.inline else None
        if not text:
            return None
        if kind == "s":
            index = int(text) if text.isascii() and text.isdigit() and len(text) < 12 else -1
            if not 0 <= index < len(self.strings):
                return Unusable(f"共享字符串编号 {text[:20]!r} 不存在（工作簿共有 "
                                f"{len(self.strings)} 个） (no such shared string)")
            return self.strings[index]
        if kind == "n":
            return self.number_of(text)
        if kind == "b":
            return {"0": False, "1": True}.get(text, Unusable(f"{text[:20]!r} 不是逻辑值 (not a boolean)"))
        if kind == "d":
            try:
                return self.from_iso(text)
            except (ValueError, OverflowError, TypeError, AttributeError):
                return Unusable(f"{text[:40]!r} 不是日期 (not a date)")
        return text  # "str" (a formula's text) and "e" (an error such as #N/A)

    def number_of(self, text: str) -> Any:
        try:
            number: Any = float(text) if "." in text or "E" in text or "e" in text else int(text)
        except ValueError:
            number = math.nan
        if isinstance(number, float) and not math.isfinite(number):
            return Unusable(f"{text[:40]!r} 不是有效的数字 (not a finite number)")
        style = int(self.style) if self.style and self.style.isdigit() else 0
        if style in self.dates:
            try:
                return self.from_excel(number, self.epoch, timedelta=style in self.durations)
            except (OverflowError, ValueError):
                return "#VALUE!"
        return number
