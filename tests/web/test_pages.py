"""The pages: what they show, to whom, and in which language."""

from __future__ import annotations

import re

from tests.web.conftest import A, B, csrf_token, signed_in


def text(response) -> str:
    return response.get_data(as_text=True)


def test_standings_are_public_and_chinese_by_default(web_app):
    page = text(web_app.test_client().get("/standings?month=2022-01"))
    assert '<html lang="zh-CN">' in page
    assert "考核排名" in page and "宣城敬亭招标代理有限公司" in page


def test_english_switch_sets_a_cookie_that_later_pages_follow(web_app):
    client = web_app.test_client()
    first = client.get("/standings?month=2022-01&lang=en")
    assert "lang=en" in first.headers["Set-Cookie"]
    later = text(client.get("/standings?month=2022-01"))
    assert '<html lang="en">' in later and "Standings" in later and "考核排名" not in later


def test_standings_mark_rows_whose_published_figures_differ(web_app):
    page = text(web_app.test_client().get("/standings?month=2022-01&basis=current"))
    # January was published with B's D05 pending (B 100, rank 1); it is now reduced (B 97).
    changed = re.findall(r'<tr class="changed">.*?</tr>', page, re.S)
    row_b = next(row for row in changed if B in row)
    assert "≠ 100 (#1)" in row_b and len(changed) == 2  # A moved from rank 2 to 1


def test_published_basis_shows_the_month_as_it_was_published(web_app):
    page = text(web_app.test_client().get("/standings?month=2022-01&basis=published"))
    ranks = re.findall(r"<td>(\d)</td>\s*<td><a href=\"/agencies/(\w+)", page)
    assert ranks[:2] == [("1", B), ("2", A)]


def test_annual_standings_show_grades(web_app):
    page = text(web_app.test_client().get("/standings?month=2022-12&year=2022"))
    annual = page.split('id="annual-standings"')[1]
    assert "优秀" in annual and "良好" in annual and "合格" in annual


def test_agency_page_needs_a_sign_in(web_app):
    response = web_app.test_client().get(f"/agencies/{A}")
    assert response.status_code == 401 and 'name="token"' in text(response)


def test_an_unknown_token_is_refused_at_sign_in(web_app):
    client = web_app.test_client()
    response = client.post("/sign-in", data={"token": "nope", "csrf_token": csrf_token(client)})
    assert response.status_code == 401 and "令牌无效" in text(response)


def test_agency_page_shows_chart_evaluation_and_deductions(web_app):
    page = text(signed_in(web_app, "auditor").get(f"/agencies/{A}?year=2022"))
    assert "<svg" in page and page.count('<circle class="dot"') == 12
    assert "0.6 × 99.58 + 0.4 × 92" in page and "99.75" in page
    assert "线上自学: 1.2" in page and "优秀" in page
    assert "D01" in page and "按期完成" in page


def test_agency_page_names_the_caps_applied(web_app):
    page = text(signed_in(web_app, "regulator").get(f"/agencies/{B}?year=2022"))
    assert "bonus void: counting serious deduction" in page
    assert "存在严重扣分，加分作废" in page


def test_an_agency_sees_its_own_page(web_app):
    response = signed_in(web_app, "agency_a").get(f"/agencies/{A}?year=2022")
    assert response.status_code == 200


def test_an_agency_gets_a_403_page_for_another_agency(web_app):
    response = signed_in(web_app, "agency_a").get(f"/agencies/{B}/months/2022-01")
    assert response.status_code == 403
    assert "无权访问" in text(response) and "<html" in text(response)


def test_an_agency_may_not_open_the_bureau_queues(web_app):
    assert signed_in(web_app, "agency_a").get("/bureau").status_code == 403


def test_month_page_shows_the_trail_with_scores_before_and_after(web_app):
    page = text(signed_in(web_app, "reviewer").get(f"/agencies/{B}/months/2022-01"))
    trail = page.split('id="trail"')[1].split("</ol>")[0]
    assert [m for m in re.findall(r"<strong>(\S+)</strong>\s*</div>", trail)] == [
        "100", "94", "100", "100", "97"]
    assert "scenario.regulator" in trail and "提出申辩" in trail  # B's paper submission


def test_as_of_shows_the_month_as_it_stood_then(web_app):
    client = signed_in(web_app, "auditor")
    page = text(client.get(f"/agencies/{B}/months/2022-01"))
    filed = re.search(r'<option value="(\d+)"[^>]*>[^<]*提出申辩', page).group(1)
    then = text(client.get(f"/agencies/{B}/months/2022-01?as_of_position={filed}"))
    assert re.search(r'id="month-score">100<', then)
    assert "复核决定" not in then.split('id="trail"')[1]
    assert re.search(r'id="month-score">97<', page)


def test_bureau_queue_lists_training_statistics(web_app):
    page = text(signed_in(web_app, "regulator").get("/bureau?year=2022"))
    training = page.split('id="training"')[1].split("</table>")[0]
    assert ">25<" in training and ">4<" in training  # person-times, lecture sessions


def test_open_disputes_past_review_due_are_highlighted(web_app):
    from datetime import date

    from tests.scenario import REGULATOR
    ledger = web_app.extensions["ledger"].ledger
    ded = ledger.record_deduction(REGULATOR, A, "D02", date(2022, 11, 1), "late result").id
    ledger.file_dispute(REGULATOR, ded, "was on time", date(2022, 11, 2))
    page = text(signed_in(web_app, "auditor").get("/bureau"))
    disputes = page.split('id="open-disputes"')[1].split("</table>")[0]
    assert '<tr class="overdue">' in disputes and "was on time" in disputes


def test_upload_page_is_for_regulators_only(web_app):
    assert signed_in(web_app, "auditor").get("/import").status_code == 403
    assert signed_in(web_app, "regulator").get("/import").status_code == 200


def test_signing_out_forgets_the_token(web_app):
    client = signed_in(web_app, "auditor")
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/standings")})
    assert client.get(f"/agencies/{A}").status_code == 401


def test_the_session_cookie_is_http_only_and_secure_by_default(tmp_path):
    from ledger.api import create_app
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}"})
    token = app.extensions["ledger"].tokens.create("auditor", "chen")
    client = app.test_client()
    cookie = client.post("/sign-in", data={"token": token, "csrf_token": csrf_token(client)}
                         ).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert token not in cookie  # the cookie carries the session's id only
    app.extensions["ledger"].close()
