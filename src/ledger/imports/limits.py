"""What an import file may hold: the limits, what is refused for breaking them, and the budget
that counts a workbook against them."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.text import TEXT_LIMIT

MAX_FILE_BYTES = 20 * 1024 * 1024  # the file as uploaded or given to `ledger import`
MAX_ROWS = 200_000  # data rows of a file, all sheets together
MAX_COLUMNS = 100  # the widest sheet has 9 columns; cells right of column CV are refused
MAX_CELL_CHARS = TEXT_LIMIT  # no field takes more (names and references take 200)
MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # XML read out of one workbook, all parts together
MAX_KEPT_CHARS = 64 * 1024 * 1024  # cell text kept in memory for one workbook
MAX_CELLS = 3_000_000  # non-empty cells kept for one workbook (each a Python object)
MAX_SHARED_STRINGS = MAX_CELLS  # each is used by a cell, or it need not be there
MAX_SMALL_PART_BYTES = 8 * 1024 * 1024  # workbook.xml, its relationships, styles.xml
MAX_ZIP_ENTRIES = 1_000  # parts of a workbook (Excel writes a few dozen)
MAX_LINE_COMMAS = 10_000  # in one line of a CSV: the csv module builds a whole row at once


@dataclass(frozen=True)
class Unusable:
    """A cell the reader could not take as a value: its row is refused, naming the column."""

    message: str


def too_long(length: int) -> Unusable:
    return Unusable(f"超过 {MAX_CELL_CHARS} 个字符（该单元格有 {length:,} 个字符）"
                    f" (longer than {MAX_CELL_CHARS} characters)")


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

    def shared_string(self, count: int) -> None:
        if count > MAX_SHARED_STRINGS:
            raise UnreadableFile(f"工作簿的共享字符串超过 {MAX_SHARED_STRINGS:,} 个，无法导入；请拆分成"
                                 f"几个较小的文件。(More than {MAX_SHARED_STRINGS:,} shared strings.)")

    def row(self) -> None:
        self.rows += 1
        if self.rows > MAX_ROWS:
            raise UnreadableFile(f"文件超过 {MAX_ROWS:,} 行数据，无法导入；请拆分成几个较小的文件。"
                                 f"(More than {MAX_ROWS:,} data rows.)")
