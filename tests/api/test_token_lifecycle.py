"""Tokens end: `--expires-in`, `ledger token list`, `ledger token revoke ID`; expired and revoked
tokens get 401 on the API and sign the pages out; an older token table is migrated."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from ledger.application import Ledger
from ledger.domain.errors import InvalidInput, NotFound
from ledger.domain.principals import Principal
from ledger.tokens import LAST_USE_EVERY, Tokens, token_hash, tokens_table
from tests.api.conftest import A, make_app

AGENCY_PATH = f"/api/v1/agencies/{A}"


@pytest.fixture
def served(database_url):
    app = make_app(database_url)
    app.config["WEB_PLAIN_HTTP"] = True
    yield app
    app.extensions["ledger"].close()


def cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LEDGER_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "ledger.cli", "token", *args], env=env,
                          capture_output=True, text=True)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def set_column(engine, token_id: str, **values) -> None:
    with engine.begin() as conn:
        conn.execute(sa.update(tokens_table).where(tokens_table.c.id == token_id).values(**values))


def test_a_revoked_token_gets_401_on_the_api_at_once(served):
    tokens = served.extensions["ledger"].tokens
    token, record = tokens.issue("auditor", "chen.auditor")
    client = served.test_client()
    assert client.get("/api/v1/projections", headers=bearer(token)).status_code == 200
    tokens.revoke(record.id)
    refused = client.get("/api/v1/projections", headers=bearer(token))
    assert refused.status_code == 401 and "revoked" in refused.get_json()["message"]


def test_an_expired_token_gets_401_on_the_api(served):
    tokens = served.extensions["ledger"].tokens
    token, record = tokens.issue("auditor", "chen.auditor", expires_in_days=1)
    client = served.test_client()
    assert client.get("/api/v1/projections", headers=bearer(token)).status_code == 200
    set_column(tokens.engine, record.id, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    refused = client.get("/api/v1/projections", headers=bearer(token))
    assert refused.status_code == 401 and "expired" in refused.get_json()["message"]


@pytest.mark.parametrize("end", ["revoke", "expire"])
def test_a_token_ended_after_sign_in_signs_the_pages_out(served, end):
    tokens = served.extensions["ledger"].tokens
    token, record = tokens.issue("regulator", "li.regulator", expires_in_days=30)
    from tests.web.conftest import csrf_token
    client = served.test_client()
    assert client.post("/sign-in", data={"token": token, "csrf_token": csrf_token(client)}
                       ).status_code == 303
    assert client.get("/bureau").status_code == 200
    if end == "revoke":
        tokens.revoke(record.id)
    else:
        set_column(tokens.engine, record.id, expires_at=datetime.now(UTC) - timedelta(days=1))
    page = client.get("/bureau")
    assert page.status_code == 401 and 'name="token"' in page.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "token" not in session  # signed out, not merely refused
    assert client.post("/sign-in", data={"token": token, "csrf_token": csrf_token(client)}
                       ).status_code == 401


def test_expiry_is_days_from_now_and_must_be_a_sane_whole_number(served):
    tokens = served.extensions["ledger"].tokens
    _, record = tokens.issue("auditor", "chen", expires_in_days=30)
    assert abs(record.expires_at - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=1)
    for bad in (0, -1, 3651, 1.5, True):
        with pytest.raises(InvalidInput) as refused:
            tokens.issue("auditor", "chen", expires_in_days=bad)
        assert "expires_in" in refused.value.errors


def test_the_list_shows_each_token_but_never_the_token_or_its_hash(served):
    tokens = served.extensions["ledger"].tokens
    token, record = tokens.issue("agency", f"agency-{A}", A, expires_in_days=7)
    listed = tokens.list()
    assert [(r.id, r.principal, r.state()) for r in listed] == [
        (record.id, Principal(f"agency-{A}", "agency", A), "active")]
    assert listed[0].expires_at == record.expires_at
    assert token not in repr(listed) and token_hash(token) not in repr(listed)
    assert record.id not in token and record.id not in token_hash(token)


def test_last_use_is_noted_at_most_once_a_minute(served, monkeypatch):
    tokens = served.extensions["ledger"].tokens
    token, record = tokens.issue("auditor", "chen.auditor")
    updates = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE LEDGER_API_TOKENS"):
            updates.append(statement)

    sa.event.listen(tokens.engine, "before_cursor_execute", count)
    try:
        client = served.test_client()
        for _ in range(5):
            assert client.get("/api/v1/projections", headers=bearer(token)).status_code == 200
    finally:
        sa.event.remove(tokens.engine, "before_cursor_execute", count)
    assert len(updates) == 1
    first = tokens.list()[0].last_used_at
    assert first is not None and datetime.now(UTC) - first < timedelta(minutes=1)
    # a minute later (as the row says) the next use is noted again
    set_column(tokens.engine, record.id,
               last_used_at=first - timedelta(seconds=LAST_USE_EVERY + 1))
    tokens._touched.clear()  # as another worker, or this one a minute on
    assert client.get("/api/v1/projections", headers=bearer(token)).status_code == 200
    assert tokens.list()[0].last_used_at > first - timedelta(seconds=1)


def test_revoking_an_unknown_id_is_refused_and_again_changes_nothing(served):
    tokens = served.extensions["ledger"].tokens
    _, record = tokens.issue("auditor", "chen")
    with pytest.raises(NotFound):
        tokens.revoke("nosuchid")
    first = tokens.revoke(record.id).revoked_at
    assert tokens.revoke(record.id).revoked_at == first


def test_ledger_token_commands_create_list_and_revoke(database_url):
    created = cli(database_url, "create", "--role", "agency", "--name", "敬亭招标",
                  "--agency", A, "--expires-in", "30")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert created.stdout == token + "\n"  # the token and nothing else on stdout
    token_id = created.stderr.split("token id ")[1].split(",")[0].strip()
    listed = cli(database_url, "list")
    assert listed.returncode == 0
    heading, row = listed.stdout.splitlines()
    assert heading.split() == ["id", "role", "name", "agency", "created", "expires", "last",
                               "used", "state"]
    assert row.split()[:4] == [token_id, "agency", "敬亭招标", A] and row.endswith("active")
    assert token not in listed.stdout and token_hash(token) not in listed.stdout
    revoked = cli(database_url, "revoke", token_id)
    assert revoked.returncode == 0 and token_id in revoked.stdout
    assert cli(database_url, "list").stdout.splitlines()[1].endswith("revoked")
    ledger = Ledger(url=database_url)
    try:
        assert Tokens(ledger.engine).principal(token) is None
    finally:
        ledger.close()
    unknown = cli(database_url, "revoke", "00000000")
    assert unknown.returncode != 0 and "No token with id '00000000'" in unknown.stderr
    assert cli(database_url, "create", "--role", "auditor", "--name", "x",
               "--expires-in", "0").returncode != 0


def test_a_token_table_of_the_first_version_is_migrated_and_its_tokens_still_work(
        database_url):
    ledger = Ledger(url=database_url)
    try:
        with ledger.engine.begin() as conn:  # as the first release created it
            conn.exec_driver_sql(
                "CREATE TABLE ledger_api_tokens (token_hash VARCHAR(64) NOT NULL PRIMARY KEY, "
                "name VARCHAR(200) NOT NULL, role VARCHAR(20) NOT NULL, agency VARCHAR(18), "
                "created_at TIMESTAMP WITH TIME ZONE NOT NULL)"
                if ledger.engine.dialect.name == "postgresql" else
                "CREATE TABLE ledger_api_tokens (token_hash VARCHAR(64) NOT NULL PRIMARY KEY, "
                "name VARCHAR(200) NOT NULL, role VARCHAR(20) NOT NULL, agency VARCHAR(18), "
                "created_at DATETIME NOT NULL)")
            for n, token in enumerate(("old-token-1", "old-token-2")):
                conn.execute(sa.text(
                    "INSERT INTO ledger_api_tokens VALUES (:h, :n, 'auditor', NULL, :t)"),
                    {"h": token_hash(token), "n": f"chen{n}", "t": datetime.now(UTC)})
        tokens = Tokens(ledger.engine)
        assert tokens.principal("old-token-1") == Principal("chen0", "auditor")
        listed = tokens.list()
        ids = [r.id for r in listed]
        assert len(set(ids)) == 2 and all(ids) and [r.state() for r in listed] == ["active"] * 2
        tokens.revoke(ids[1])
        assert Tokens(ledger.engine).principal("old-token-2") is None
        assert Tokens(ledger.engine).principal("old-token-1") is not None
    finally:
        ledger.close()
