"""Bearer tokens never reach a log: not gunicorn's access or error log, not the app's logging."""

from __future__ import annotations

import json
import logging
import os
import urllib.parse
import urllib.request

from tests.api.conftest import A, Callers, build_world
from tests.serving import call, ledger_command, serve


def test_a_served_ledger_logs_no_token_it_was_given(tmp_path, database_url):
    # plain http: urllib (unlike a browser) keeps no Secure cookie from http://127.0.0.1
    env = {**os.environ, "LEDGER_DATABASE_URL": database_url, "LEDGER_WEB_PLAIN_HTTP": "1"}
    token = ledger_command(env, "token", "create", "--role", "regulator", "--name",
                           "li.regulator").stdout.strip()
    served = serve(env, tmp_path / "serve.log")
    guessed = "guessed-token-" + "x" * 30
    try:
        assert call(served.base, "POST", "/api/v1/agencies", token, {
            "credit_code": A, "name": "宣城敬亭招标代理有限公司",
            "registered_on": "2019-05-10"})[0] == 201
        assert call(served.base, "GET", f"/api/v1/agencies/{A}", token)[0] == 200
        assert call(served.base, "GET", f"/api/v1/agencies/{A}", guessed)[0] == 401
        assert call(served.base, "GET", f"/api/v1/agencies/{A}?token={token}")[0] == 401
        import http.cookiejar
        import re
        browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = browser.open(served.base + "/sign-in", timeout=30).read().decode()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"token": token, "csrf_token": csrf}).encode()
        browser.open(urllib.request.Request(served.base + "/sign-in", data=form),
                     timeout=30).read()
    finally:
        served.stop()
    log = served.log.read_text()
    logged = {(e["method"], e["path"]) for e in (json.loads(line) for line in log.splitlines()
                                                  if line.startswith("{"))}
    assert {("GET", f"/api/v1/agencies/{A}"), ("POST", "/sign-in")} <= logged  # it did log
    assert token not in log and guessed not in log


def test_an_unexpected_failure_logs_its_traceback_but_not_the_token(sqlite_app, caplog,
                                                                    monkeypatch):
    build_world(sqlite_app)
    callers = Callers(sqlite_app)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the read side failed")
    monkeypatch.setattr(sqlite_app.extensions["ledger"].read_side, "agency", broken)
    with caplog.at_level(logging.DEBUG):
        response = callers.regulator.get(f"/api/v1/agencies/{A}")
        callers.unknown.get(f"/api/v1/agencies/{A}")
    assert response.status_code == 500 and "the read side failed" in caplog.text
    for who in ("regulator", "unknown", "agency_a"):
        assert callers[who].token not in caplog.text
