"""The bureau's queue of open disputes shows 50 at a time, with links to the other pages."""

from __future__ import annotations

import re
from datetime import date

from tests.scenario import REGULATOR
from tests.web.conftest import A, signed_in


def open_disputes(html: str) -> list[str]:
    table = html.split('id="open-disputes"')[1].split("</table>")[0]
    return re.findall(r"<td>(grounds \d+)</td>", table)


def test_open_disputes_come_in_pages_that_neither_skip_nor_repeat(web_app):
    ledger = web_app.extensions["ledger"].ledger
    with ledger.batch():
        for n in range(55):
            found = date(2022, 11, 1 + n % 20)
            deduction = ledger.record_deduction(REGULATOR, A, "D02", found, f"late {n}")
            # a paper submission: only a regulator may date a filing in the past
            ledger.file_dispute(REGULATOR, deduction.id, f"grounds {n}", found)
    client = signed_in(web_app, "auditor")
    first = client.get("/bureau").get_data(as_text=True)
    assert len(open_disputes(first)) == 50 and "第 1–50 条，共 55 条" in first
    link = re.search(r'href="([^"]*disputes_from=50[^"]*)" rel="next"', first).group(1)
    second = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert len(open_disputes(second)) == 5 and 'rel="prev"' in second
    assert 'rel="next"' not in second
    assert sorted(open_disputes(first) + open_disputes(second)) == \
        sorted(f"grounds {n}" for n in range(55))
    assert client.get("/bureau?disputes_from=x").status_code == 422
