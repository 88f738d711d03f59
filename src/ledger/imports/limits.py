"""What an import file may hold, and a cell that cannot be used (a row refused for it, by field)."""

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
MAX_SMALL_PART_BYTES = 8 * 1024 * 1024  # workbook.xml, its relationships, styles.xml


@dataclass(frozen=True)
class Unusable:
    """A cell the reader could not take as a value: its row is refused, naming the column."""

    message: str


def too_long(length: int) -> Unusable:
    return Unusable(f"超过 {MAX_CELL_CHARS} 个字符（该单元格有 {length:,} 个字符）"
                    f" (longer than {MAX_CELL_CHARS} characters)")
