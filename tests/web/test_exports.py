"""Exports: CSV and XLSX with Chinese headers and the ledger's figures."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.web.conftest import A, B, signed_in


def csv_rows(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # Excel reads the Chinese only with the BOM
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(response, sheet: int = 0) -> list[list]:
    book = load_workbook(io.BytesIO(response.get_data()))
    return [list(r) for r in book.worksheets[sheet].iter_rows(values_only=True)]


def test_standings_csv_has_chinese_headers_and_the_month_ranking(web_app):
    rows = csv_rows(web_app.test_client().get("/exports/standings.csv?month=2022-01"))
    assert rows[0] == ["名次", "统一社会信用代码", "机构名称", "得分", "扣分", "待复核扣分"]
    assert rows[1][:4] == ["1", A, "宣城敬亭招标代理有限公司", "99"]
    assert rows[2][:4] == ["2", B, "皖南宛陵项目管理有限公司", "97"]


def test_published_standings_xlsx_keeps_the_published_figures(web_app):
    response = web_app.test_client().get("/exports/standings.xlsx?month=2022-01&basis=published")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    rows = xlsx_rows(response)
    assert rows[1][:4] == [1, B, "皖南宛陵项目管理有限公司", 100]


def test_evaluations_export_shows_how_each_score_was_computed(web_app):
    rows = xlsx_rows(signed_in(web_app, "auditor").get("/exports/evaluations.xlsx?year=2022"))
    header = rows[0]
    first = dict(zip(header, rows[1]))
    assert first["统一社会信用代码"] == "91341800WQD9LLEHT2" and first["等级"] == "合格"
    a = dict(zip(header, next(r for r in rows if r[1] == A)))
    assert (a["月考核平均分"], a["省级年评价"], a["线上自学加分"], a["年度得分"], a["等级"]) == (
        99.58, 92, 1.2, 99.75, "优秀")


def test_evaluations_export_is_not_for_agencies(web_app):
    assert signed_in(web_app, "agency_a").get("/exports/evaluations.csv?year=2022").status_code == 403


def test_month_deductions_csv_lists_each_deduction_with_status(web_app):
    rows = csv_rows(signed_in(web_app, "regulator").get("/exports/deductions.csv?month=2022-01"))
    header = rows[0]
    assert header[:5] == ["统一社会信用代码", "扣分项", "发现日期", "通知日期", "事由"]
    found = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    assert found[B]["状态"] == "已减轻" and found[B]["实扣分"] == "3"
    assert found[A]["整改完成日期"] == "2022-01-20" and found[A]["实扣分"] == "1"


def test_trail_export_has_every_month_entry_once_registered(web_app):
    rows = csv_rows(signed_in(web_app, "auditor").get(f"/exports/agencies/{B}/trail.csv"))
    events = [(r[0], r[4], r[7], r[8]) for r in rows[1:]]
    assert [e[1] for e in events].count("机构登记") == 1
    assert ("2022-01", "复核决定", "100", "97") in events


def test_trail_export_and_page_say_the_summaries_in_chinese_with_titles(web_app):
    client = signed_in(web_app, "auditor")
    rows = csv_rows(client.get(f"/exports/agencies/{B}/trail.csv"))
    summaries = [r[6] for r in rows[1:]]
    assert any(s.startswith("记录扣分 D05 设置差别歧视性条款：6 分") for s in summaries), summaries
    assert any("复核决定：减轻为 3 分" in s for s in summaries), summaries
    page = client.get(f"/agencies/{B}/months/2022-01").get_data(as_text=True)
    assert "提出申辩；复核前暂不计分" in page and "pending until reviewed" not in page
    english = client.get(f"/agencies/{B}/months/2022-01?lang=en").get_data(as_text=True)
    assert "pending until reviewed" in english


def test_trail_export_is_refused_to_agencies(web_app):
    assert signed_in(web_app, "agency_a").get(f"/exports/agencies/{A}/trail.csv").status_code == 403


def test_an_unknown_export_format_is_refused(web_app):
    assert web_app.test_client().get("/exports/standings.pdf?month=2022-01").status_code == 422


def test_an_imported_events_summary_keeps_its_file_in_chinese():
    from ledger.web.summaries import summary_zh
    said = summary_zh("D01 recorded: 2 points (rule set 2022.1); late notice; imported from "
                      "扣分.csv (SHA-256 " + "a" * 64 + ")")
    assert said == ("记录扣分 D01 采购公告未按规定发布：2 分（扣分标准 2022.1）；late notice；"
                    "导入自 扣分.csv（SHA-256 " + "a" * 64 + "）")
def test_deductions_export_shows_each_code_with_its_chinese_title(web_app):
    rows = csv_rows(signed_in(web_app, "auditor").get("/exports/deductions.csv?month=2022-01"))
    header = rows[0]
    code, title = header.index("扣分项"), header.index("扣分项名称")
    pairs = {(r[code], r[title]) for r in rows[1:]}
    assert ("D05", "设置差别歧视性条款") in pairs and ("D01", "采购公告未按规定发布") in pairs


def test_trail_export_summaries_name_the_item_in_chinese(web_app):
    rows = xlsx_rows(signed_in(web_app, "auditor").get(f"/exports/agencies/{B}/trail.xlsx"))
    summaries = [r[6] for r in rows[1:]]
    assert any(s.startswith("记录扣分 D05 设置差别歧视性条款：6 分") for s in summaries)


def test_annual_standings_export_gives_grades_in_chinese_and_marks_the_year_provisional(web_app):
    rows = csv_rows(web_app.test_client().get("/exports/annual-standings.csv?year=2022"))
    assert rows[0] == ["名次", "统一社会信用代码", "机构名称", "年度得分", "等级", "结果性质"]
    by_code = {row[1]: row for row in rows[1:]}
    assert by_code[A][4] == "优秀" and by_code[B][4] == "良好"
    assert {row[5] for row in rows[1:]} == {"暂定"}  # 2022's results were never finalized
