"""Hostile files are refused by row and field, or whole, in bounded memory; never a traceback."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from datetime import date

import pytest

from ledger.domain.principals import Principal
from ledger.imports import limits, reader, xlsx as streaming
from ledger.imports.limits import MAX_COLUMNS, MAX_FILE_BYTES
from ledger.imports.reader import UnreadableFile, read_sheets
from ledger.imports.run import import_file
from tests.imports.workbooks import A, cells, deduction_sheet, shared_strings, xlsx

IMPORTER = Principal("li.regulator", "regulator")
GOOD = [A, "D01", "2022-03-01", "", "逾期公告"]


def peak_while(read) -> tuple[object, int]:
    """What `read()` returns and the most memory Python allocated meanwhile, in bytes."""
    read_sheets(xlsx(deduction_sheet(cells(2, GOOD)), shared_strings("D01")), "warm.xlsx")
    tracemalloc.start()  # after the reader's own modules are imported
    try:
        result = read()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def refusals(ledger, data: bytes, name: str = "bad.xlsx") -> dict[int, str]:
    ledger.register_agency(IMPORTER, A, "敬亭招标", date(2022, 1, 1))
    before = ledger.recorder.max_notification_id()
    report = import_file(ledger, IMPORTER, data, name)
    assert not report.recorded and ledger.recorder.max_notification_id() == before
    return {r.row: r.message for r in report.refused}


def test_a_shared_string_over_the_limit_refuses_its_row_without_being_held():
    book = xlsx(deduction_sheet(cells(2, GOOD),
                                f'<row r="3"><c r="A3" t="inlineStr"><is><t>{A}</t></is></c>'
                                '<c r="B3" t="s"><v>0</v></c><c r="C3" t="inlineStr"><is><t>'
                                '2022-03-02</t></is></c><c r="E3" t="s"><v>1</v></c></row>'),
                shared=shared_strings("D02", huge=30 * 2**20))
    sheets, peak = peak_while(lambda: read_sheets(book, "big.xlsx"))
    assert peak < 2**20  # 30 MB of text read, none of it kept
    assert "超过 4000 个字符" in sheets[0].rows[1]["reason"].message
    assert "31,457,280" in sheets[0].rows[1]["reason"].message


def test_a_huge_dimension_pads_nothing():
    book = xlsx(deduction_sheet(cells(2, GOOD), dimension="A1:XFD1048576"))
    sheets, peak = peak_while(lambda: read_sheets(book, "dim.xlsx"))
    assert peak < 2**20 and sheets[0].rows[0]["reason"] == "逾期公告"


def test_too_many_rows_are_refused_while_reading(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 1000)
    book = xlsx(deduction_sheet(*(cells(n, GOOD) for n in range(2, 1503))))
    with pytest.raises(UnreadableFile, match="超过 1,000 行数据"):
        read_sheets(book, "rows.xlsx")


def test_too_many_cells_are_refused_while_reading(monkeypatch):
    monkeypatch.setattr(limits, "MAX_CELLS", 50)
    book = xlsx(deduction_sheet(*(cells(n, GOOD) for n in range(2, 12))))
    with pytest.raises(UnreadableFile, match="超过 50 个非空单元格"):
        read_sheets(book, "cells.xlsx")


def test_too_many_shared_strings_are_refused_while_reading(monkeypatch):
    monkeypatch.setattr(limits, "MAX_SHARED_STRINGS", 3)
    book = xlsx(deduction_sheet(cells(2, GOOD)), shared=shared_strings("a", "b", "c", "d"))
    with pytest.raises(UnreadableFile, match="共享字符串超过 3 个"):
        read_sheets(book, "strings.xlsx")


def test_a_zip_of_too_many_parts_is_refused_before_it_is_opened():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        for n in range(1001):
            book.writestr(f"xl/media/{n}.txt", b"")
    with pytest.raises(UnreadableFile, match="超过 1,000 个部件"):
        read_sheets(out.getvalue(), "parts.xlsx")


def test_too_many_csv_rows_are_refused(monkeypatch):
    monkeypatch.setattr(reader, "MAX_ROWS", 10)
    data = ("统一社会信用代码,扣分项,发现日期,事由\n" + f"{A},D01,2022-03-01,x\n" * 12).encode()
    with pytest.raises(UnreadableFile, match="超过 10 行数据"):
        read_sheets(data, "rows.csv")


def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(UnreadableFile, match="超过 20 MB"):
        read_sheets(b"x" * (MAX_FILE_BYTES + 1), "big.csv")


def test_a_workbook_that_unpacks_too_far_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_UNPACKED_BYTES", 2**20)
    book = xlsx(deduction_sheet(cells(2, GOOD)), shared=shared_strings(huge=2 * 2**20))
    with pytest.raises(UnreadableFile, match="解压后超过"):
        read_sheets(book, "bomb.xlsx")


def test_bad_cells_refuse_their_row_naming_the_column(ledger):
    rows = (
        cells(2, GOOD),
        f'<row r="3"><c r="A3" t="inlineStr"><is><t>{A}</t></is></c>'
        '<c r="B3" t="s"><v>7</v></c></row>',  # no shared string 7
        f'<row r="4"><c r="A4" t="inlineStr"><is><t>{A}</t></is></c>'
        '<c r="ZZZZZZZ4" t="inlineStr"><is><t>far</t></is></c></row>',
        f'<row r="5"><c r="A5" t="inlineStr"><is><t>{A}</t></is></c>'
        '<c r="CW5" t="inlineStr"><is><t>far</t></is></c></row>',  # column 101
        f'<row r="6"><c r="A6" t="inlineStr"><is><t>{A}</t></is></c><c r="B6"><v>NaN</v></c></row>',
        f'<row r="7"><c r="A7" t="inlineStr"><is><t>{A}</t></is></c>'
        '<c r="C7" t="d"><v>not a day</v></c></row>',
    )
    refused = refusals(ledger, xlsx(deduction_sheet(*rows), shared=shared_strings("D01")))
    assert sorted(refused) == [3, 4, 5, 6, 7]
    assert "扣分项" in refused[3] and "共享字符串编号 '7' 不存在" in refused[3]
    assert "单元格引用“ZZZZZZZ4”无效" in refused[4]
    assert f"前 {MAX_COLUMNS} 列" in refused[5]
    assert "扣分项" in refused[6] and "'NaN' 不是有效的数字" in refused[6]
    assert "发现日期" in refused[7] and "不是日期" in refused[7]


def test_xml_that_is_not_well_formed_or_has_a_dtd_is_refused_as_a_file():
    broken = xlsx([b'<worksheet xmlns="' + streaming.MAIN.rstrip("}").encode()
                   + b'"><sheetData><row r="1"><c t="inlineStr"><is><t>a\x01b</t></is></c>'
                   b"</row></sheetData></worksheet>"])
    with pytest.raises(UnreadableFile, match="工作表“扣分”的 XML 有误（第 1 行"):
        read_sheets(broken, "ctl.xlsx")
    laughs = xlsx([b'<!DOCTYPE lolz [<!ENTITY lol "lol">]><worksheet/>'])
    with pytest.raises(UnreadableFile, match="DTD"):
        read_sheets(laughs, "dtd.xlsx")


@pytest.mark.parametrize("data", [b"PK\x03\x04 cut short", b"\x00" * 100, b"not a zip at all"])
def test_what_is_not_a_workbook_is_refused_with_what_to_do(data):
    with pytest.raises(UnreadableFile, match="另存为"):
        read_sheets(data, "x.xlsx")


def test_a_csv_row_wider_than_the_limit_is_refused_by_row(ledger):
    data = ("统一社会信用代码,扣分项,发现日期,事由\n"
            f"{A},D01,2022-03-01,ok\n" + f"{A},D01,2022-03-02,wide" + "," * MAX_COLUMNS + "\n"
            ).encode()
    assert list(refusals(ledger, data, "wide.csv")) == [3]


def test_a_csv_line_of_commas_is_refused_before_its_row_is_built():
    data = "统一社会信用代码,扣分项,发现日期,事由\n".encode() + b"," * (10 * 2**20) + b"\n"
    _, peak = peak_while(lambda: pytest.raises(UnreadableFile, read_sheets, data, "commas.csv"))
    assert peak < 40 * 2**20  # copies of the 10 MB text, not a row of 10 M cells (> 80 MB)
