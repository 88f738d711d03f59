"""Finding 11: CSRF tokens, same-origin posts, security headers, a server-side session."""

from __future__ import annotations

import re

import sqlalchemy as sa

from ledger.web.security import CSP
from ledger.web.server_session import sessions_table
from tests.web.conftest import A, csrf_token, make_app, signed_in, token_for


def test_pages_answer_with_a_strict_csp_and_the_other_security_headers(web_app):
    for path in ("/standings?month=2022-01", "/sign-in", "/static/web/app.js", "/nowhere-page"):
        response = web_app.test_client().get(path)
        if response.status_code == 404 and path == "/nowhere-page":
            continue  # not a page of the blueprint
        headers = response.headers
        assert headers["Content-Security-Policy"] == CSP, path
        assert "frame-ancestors 'none'" in CSP and "'unsafe-inline'" not in CSP
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_no_page_carries_an_inline_script_or_style(web_app):
    client = signed_in(web_app, "regulator")
    for path in ("/today", "/work/deductions/new", "/work/months/publish", f"/agencies/{A}",
                 "/standings?month=2022-01", "/review", "/agencies"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path
        assert "<style" not in page and " style=" not in page and " on" + "click=" not in page, path


def test_sign_in_without_the_csrf_token_is_refused_and_signs_no_one_in(web_app):
    client = web_app.test_client()
    response = client.post("/sign-in", data={"token": token_for(web_app, "auditor")})
    assert response.status_code == 400 and "安全令牌" in response.get_data(as_text=True)
    assert client.get(f"/agencies/{A}").status_code == 401


def test_a_post_from_another_origin_is_refused_even_with_the_token(web_app):
    client = signed_in(web_app, "regulator")
    token = csrf_token(client, "/work/agencies/new")
    data = {"csrf_token": token, "credit_code": "91341800MA2N0C8K7R", "name": "x",
            "registered_on": "2022-01-01"}
    for header in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"},
                   {"Origin": "null"}):
        response = client.post("/work/agencies/new", data=data, headers=header)
        assert response.status_code == 403, header
    # the same site's own Origin passes the check (and the form then runs)
    same = client.post("/work/agencies/new", data=data, headers={"Origin": "http://localhost"})
    assert same.status_code in (303, 422)


def test_the_api_keeps_taking_bearer_posts_without_a_csrf_token(web_app):
    token = token_for(web_app, "regulator")
    response = web_app.test_client().post(
        "/api/v1/agencies", json={"credit_code": "91341800MA2N0C8K7R", "name": "新公司",
                                  "registered_on": "2022-01-01"},
        headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (201, 422), response.get_data(as_text=True)
    assert response.status_code != 400


def test_the_cookie_carries_a_random_session_id_and_the_table_no_readable_token(web_app):
    client = web_app.test_client()
    token = token_for(web_app, "auditor")
    response = client.post("/sign-in", data={"token": token, "csrf_token": csrf_token(client)})
    cookie = response.headers["Set-Cookie"]
    sid = re.match(r"session=([^;]+)", cookie).group(1)
    assert token not in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    engine = web_app.extensions["ledger"].ledger.engine
    with engine.connect() as conn:
        rows = conn.execute(sa.select(sessions_table)).all()
    assert rows and all(token.encode() not in bytes(r.data) and sid not in r.id_hash
                        for r in rows)


def test_signing_in_again_gives_a_new_session_id_and_signing_out_deletes_the_session(web_app):
    client = web_app.test_client()
    first = csrf_token(client)
    before = client.get_cookie("session").value
    client.post("/sign-in", data={"token": token_for(web_app, "auditor"), "csrf_token": first})
    after = client.get_cookie("session").value
    assert before != after  # no fixation
    engine = web_app.extensions["ledger"].ledger.engine
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/standings")})
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(sessions_table)).scalar() <= 1
    assert client.get(f"/agencies/{A}").status_code == 401


def test_a_token_no_longer_known_ends_the_page_session_at_once(web_app):
    from ledger.tokens import tokens_table
    client = signed_in(web_app, "auditor")
    assert client.get(f"/agencies/{A}").status_code == 200
    engine = web_app.extensions["ledger"].ledger.engine
    with engine.begin() as conn:  # the token revoked (deleted) in the token store
        conn.execute(sa.delete(tokens_table))
    assert client.get(f"/agencies/{A}").status_code == 401


def test_sessions_live_on_both_backends(database_url):
    app = make_app(database_url)
    try:
        client = signed_in(app, "auditor")
        assert client.get("/today").status_code == 200
    finally:
        app.extensions["ledger"].close()
