"""The expat handlers of the streaming XLSX reader: the shared strings, a worksheet's rows."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from ledger.imports.limits import MAX_CELL_CHARS, MAX_COLUMNS, Budget, Unusable, too_long

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
ROW, CELL, VALUE, INLINE, TEXT, PHONETIC, ITEM = (
    MAIN + n for n in ("row", "c", "v", "is", "t", "rPh", "si"))
CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
EXCEL_COLUMNS = 16384  # XFD

Row = tuple[int, list[Any], str | None]  # the sheet's row number, its values, why it is refused


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
            self.budget.shared_string(len(self.strings) + 1)
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
            plain = given.isascii() and given.isdigit() and len(given) < 8
            self.number = int(given) if plain else self.number + 1
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
            return {"0": False, "1": True}.get(
                text, Unusable(f"{text[:20]!r} 不是逻辑值 (not a boolean)"))
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
