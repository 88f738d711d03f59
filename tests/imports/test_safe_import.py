"""Office files as a bureau has them: GBK/GB18030 and UTF-8 CSV, dirty text, imported twice."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from ledger.domain.principals import Principal
from ledger.imports.reader import UnreadableFile, read_sheets
from ledger.imports.rows import Row
from ledger.imports.run import import_file
from ledger.application import Ledger
from ledger.domain.errors import ConcurrentChange, InvalidInput
from tests.integrity.tamper import rows as stored_rows

IMPORTER = Principal("li.regulator", "regulator")
A, B = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG"
HEAD = "统一社会信用代码,扣分项,发现日期,事由,项目编号,整改完成日期\n"
RARE = "𠮷"  # U+20BB7: GB18030 has it, GBK does not


def registered(ledger):
    ledger.register_agency(IMPORTER, A, "敬亭招标", date(2022, 1, 1))
    ledger.register_agency(IMPORTER, B, "宣城采购", date(2022, 1, 1))
    return ledger


def stored(ledger) -> list[tuple[str, dict]]:
    """Each stored event's name and state, in log order."""
    return [(r["topic"].rsplit(".", 1)[-1], json.loads(bytes(r["state"])))
            for r in stored_rows(ledger.engine)]


def reasons(ledger) -> list[str]:
    return [state["reason"] for name, state in stored(ledger) if name == "DeductionRecorded"]


def events(ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_saved_by_chinese_excel_or_wps_reads_correctly(ledger, encoding):
    text = HEAD + f"{A},D01,2022-03-01,逾期未公告（“采购”）,P-1,\n"
    report = import_file(registered(ledger), IMPORTER, text.encode(encoding), "扣分.csv")
    assert report.recorded and report.accepted == 1
    assert reasons(ledger) == ["逾期未公告（“采购”）"]


def test_a_csv_with_carriage_returns_alone_reads_correctly(ledger):
    text = (HEAD.replace("\n", "\r") + f'{A},D01,2022-03-01,"两行\r事由",P-1,\r'
            f"{A},D02,2022-03-02,x,P-2,\r")
    report = import_file(registered(ledger), IMPORTER, text.encode("gbk"), "mac.csv")
    assert report.accepted == 2 and reasons(ledger) == ["两行\r事由", "x"]


def test_a_file_without_data_rows_says_so(ledger):
    report = import_file(ledger, IMPORTER, HEAD.encode(), "empty.csv")
    assert report.rows == 0 and events(ledger) == 0
    assert report.lines() == ["文件中没有数据行，未记录任何内容 (no data rows: nothing recorded)."]


def test_a_character_only_gb18030_has_is_read(ledger):
    with pytest.raises(UnicodeEncodeError):
        RARE.encode("gbk")
    data = (HEAD + f"{A},D01,2022-03-01,{RARE}姓供应商投诉,P-1,\n").encode("gb18030")
    report = import_file(registered(ledger), IMPORTER, data, "扣分.csv")
    assert report.recorded and reasons(ledger) == [f"{RARE}姓供应商投诉"]


@pytest.mark.parametrize("data, said", [
    ((HEAD + f"{A},D01,2022-03-01,x,,\n").encode("utf-16"), "UTF-16"),
    ((HEAD + f"{A},D01,2022-03-01,x,,\n").encode("utf-16-le"), "UTF-16"),
    (bytes(range(256)) * 8, "既不是 UTF-8 也不是 GBK/GB18030"),
    (b"\x00\x01\x02" * 500, "UTF-16 文本或二进制"),
    (b"\x81\x30" + "扣分".encode("gbk") + b"\xff\xfe\xfd", "既不是 UTF-8 也不是 GBK/GB18030"),
    (b"\xd0\xcf\x11\xe0" + b"\x01" * 64, "Excel 97-2003"),
])
def test_any_other_encoding_is_refused_saying_how_to_save_it(ledger, data, said):
    before = events(ledger)
    with pytest.raises(UnreadableFile) as refused:
        import_file(ledger, IMPORTER, data, "扣分.csv")
    assert said in str(refused.value) and before == events(ledger)
    if said != "Excel 97-2003":
        assert "CSV UTF-8（逗号分隔）" in str(refused.value)


def test_rows_with_control_characters_are_refused_by_row_and_field(ledger):
    data = (HEAD + f"{A},D01,2022-03-01,ok,P-1,\n"
            f"{A},D01,2022-03-02,nul\x00here,P-2,\n"
            f"{A},D01,2022-03-03,bell\x07,P-3,\n"
            f"{A},D01,2022-03-04,\"two\nlines\tand a tab\",P\x1b4,\n").encode()
    report = import_file(registered(ledger), IMPORTER, data, "dirty.csv", accept_valid=True)
    refused = {r.row: r.message for r in report.refused}
    assert sorted(refused) == [3, 4, 5]
    assert "事由" in refused[3] and "U+0000" in refused[3] and "控制字符" in refused[3]
    assert "事由" in refused[4] and "U+0007" in refused[4]
    assert "项目编号" in refused[5] and "事由" not in refused[5]  # tab and line feed are text
    assert reasons(ledger) == ["ok"]


def test_a_lone_surrogate_or_an_over_long_name_is_refused_by_field():
    with pytest.raises(InvalidInput) as surrogate:
        Row("deductions", {"agency": A, "rule_code": "D01", "found_on": "2022-03-01",
                           "reason": "bad \ud800 half"})
    assert "不成对的代理字符" in surrogate.value.errors["事由"][0]
    with pytest.raises(InvalidInput) as long:
        Row("agencies", {"agency": A, "name": "名" * 201, "registered_on": "2022-01-01"})
    assert "超过 200 个字符" in long.value.errors["机构名称"][0]
    Row("deductions", {"agency": A, "rule_code": "D01", "found_on": "2022-03-01",
                       "reason": "因" * 4000})  # other text may take 4,000


def test_formula_looking_text_is_recorded_as_text(ledger):
    formula = "=cmd|' /C calc'!A0"
    data = (HEAD + f"{A},D01,2022-03-01,\"{formula}\",+1,\n").encode()
    report = import_file(registered(ledger), IMPORTER, data, "formula.csv")
    assert report.recorded and reasons(ledger) == [formula]


def test_nan_hours_refuse_the_attendance_row(ledger):
    data = ("培训类型,培训日期,培训主题,学时,统一社会信用代码,人员编号,姓名\n"
            f"集中讲学,2022-11-20,政策解读,NaN,{A},A-09,周杰\n").encode()
    report = import_file(registered(ledger), IMPORTER, data, "att.csv")
    assert not report.recorded and "学时" in report.refused[0].message


# -- importing twice ----------------------------------------------------------------------

EXCHANGE = (HEAD + f"{A},D01,2022-03-01,逾期未公告,P-1,\n"
            f"{B},D02,2022-03-02,文件不全,P-2,2022-03-05\n").encode("gbk")
ATTENDANCE = ("培训类型,培训日期,培训主题,学时,统一社会信用代码,人员编号,姓名\n"
              f"集中讲学,2022-11-20,政策解读,2,{A},A-09,周杰\n"
              f"集中讲学,2022-11-20,政策解读,2.0,{B},B-09,吴婷\n").encode()
SECONDMENTS = ("统一社会信用代码,人员编号,姓名,部门,开始日期,结束日期\n"
               f"{A},S-1,周杰,采购处,2022-02-01,2022-03-01\n"
               f"{A},S-3,郑敏,采购处,2022-05-01,\n").encode()
AGENCIES = ("统一社会信用代码,机构名称,登记日期\n"
            f"{A},敬亭招标,2022-01-01\n").encode()


@pytest.mark.parametrize("data, name", [(EXCHANGE, "扣分.csv"), (ATTENDANCE, "培训.csv"),
                                        (SECONDMENTS, "跟班.csv"), (AGENCIES, "机构.csv")])
def test_the_same_file_imported_twice_records_nothing_the_second_time(ledger, data, name):
    first = import_file(registered(ledger), IMPORTER, data, name)
    after_first = events(ledger)
    second = import_file(ledger, IMPORTER, data, name)
    assert second.recorded and second.events == 0 and events(ledger) == after_first
    assert second.already == second.rows == first.rows and second.accepted == 0
    assert any("此前已记录" in line for line in second.lines())
    assert any("没有新内容" in line for line in second.lines())


def test_the_same_rows_in_another_file_add_only_what_is_new(ledger):
    import_file(registered(ledger), IMPORTER, EXCHANGE, "三月.csv")
    before = events(ledger)
    later = (HEAD + f"{B},D02,2022-03-02,文件不全,P-2,2022-03-05\n"
             f"{A},D01,2022-03-01,逾期未公告,P-1,2022-03-08\n"  # now rectified
             f"{A},D01,2022-03-01,逾期未公告,P-9,\n").encode()  # another project: new
    report = import_file(ledger, IMPORTER, later, "三月（更新）.csv")
    assert (report.already, report.accepted) == (1, 2)
    topics = [name for name, _ in stored(ledger)][before:]
    assert topics == ["RectificationRecorded", "DeductionRecorded"]


def test_a_row_repeated_within_one_file_is_refused(ledger):
    data = EXCHANGE + f"{A},D01,2022-03-01,逾期未公告,P-1,\n".encode("gbk")
    report = import_file(registered(ledger), IMPORTER, data, "dup.csv")
    assert not report.recorded and [r.row for r in report.refused] == [4]
    assert "与本文件“dup.csv”第 2 行相同" in report.refused[0].message


def test_an_attendance_row_repeated_with_hours_written_otherwise_is_refused(ledger):
    data = ATTENDANCE + f"集中讲学,2022-11-20,政策解读,2.00,{A},A-09,周杰\n".encode()
    report = import_file(registered(ledger), IMPORTER, data, "培训.csv")
    assert [r.row for r in report.refused] == [4] and "第 2 行相同" in report.refused[0].message


def test_an_agency_row_differing_from_its_registration_is_refused(ledger):
    data = "统一社会信用代码,机构名称,登记日期\n".encode() + f"{A},别的名字,2022-01-01\n".encode()
    report = import_file(registered(ledger), IMPORTER, data, "机构.csv")
    assert not report.recorded and "已登记为“敬亭招标”" in report.refused[0].message


def test_every_event_says_which_file_it_came_from(ledger):
    report = import_file(registered(ledger), IMPORTER, EXCHANGE, "扣分.csv")
    digest = hashlib.sha256(EXCHANGE).hexdigest()
    imported = [state for _, state in stored(ledger)][2:]
    assert len(imported) == report.events == 3
    assert {(s["source_file"], s["source_sha256"]) for s in imported} == {("扣分.csv", digest)}
    assert {s["recorded_by"] for s in imported} == {"li.regulator"}
    assert "source_file" not in stored(ledger)[0][1]  # registered by hand, not imported


def test_a_file_name_that_cannot_be_stored_is_refused(ledger):
    with pytest.raises(UnreadableFile, match="文件名含有控制字符"):
        import_file(registered(ledger), IMPORTER, EXCHANGE, "扣\x00分.csv")
    report = import_file(ledger, IMPORTER, EXCHANGE, "C:\\Users\\li\\扣分.csv")
    assert report.file == "扣分.csv"  # the name alone is kept, not the folder a browser sends
    assert {state.get("source_file") for _, state in stored(ledger)} == {None, "扣分.csv"}


def test_two_imports_of_one_file_at_once_record_it_once(ledger, database_url):
    registered(ledger)
    other = Ledger(url=database_url)
    try:
        def meanwhile(_: int) -> None:  # called once the first import has checked every row
            if not stored_deductions(ledger):
                assert import_file(other, IMPORTER, EXCHANGE, "扣分.csv").events == 3
        with pytest.raises(ConcurrentChange):
            import_file(ledger, IMPORTER, EXCHANGE, "扣分.csv", progress=meanwhile)
    finally:
        other.close()
    assert len(stored_deductions(ledger)) == 2


def stored_deductions(ledger) -> list[dict]:
    return [state for name, state in stored(ledger) if name == "DeductionRecorded"]
