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
import posixpath
import zipfile
import zlib
from typing import Any
from xml.etree.ElementTree import ParseError, fromstring
from xml.parsers import expat

from ledger.imports.limits import MAX_SMALL_PART_BYTES, MAX_ZIP_ENTRIES, Budget, UnreadableFile
from ledger.imports.xlsx_cells import MAIN, Row, SharedStrings, SheetRows

__all__ = ["MAIN", "Row", "UnreadableFile", "xlsx_tables"]
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships}"
CHUNK = 1 << 16

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
        _check_entries(data)
        book = zipfile.ZipFile(io.BytesIO(data))
        return _tables(book, Budget())
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, NotImplementedError,
            ValueError) as error:
        raise UnreadableFile(f"不是可读取的 XLSX 工作簿（{error}）；请用 Excel 或 WPS 另存为"
                             "“Excel 工作簿 (*.xlsx)”后再导入。(Not a readable XLSX workbook.)") from None


def _check_entries(data: bytes) -> None:
    """Refuse a zip of very many parts before zipfile makes an object of each."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))  # the end of central directory
    if end >= 0 and int.from_bytes(data[end + 10:end + 12], "little") > MAX_ZIP_ENTRIES:
        raise UnreadableFile(f"工作簿含有超过 {MAX_ZIP_ENTRIES:,} 个部件，不是 Excel 保存的文件。"
                             f"(More than {MAX_ZIP_ENTRIES:,} parts in the workbook.)")


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


