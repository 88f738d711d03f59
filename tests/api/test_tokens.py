"""Bearer tokens: stored only hashed, role and agency checked, `ledger token create` prints one."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from ledger.application import Ledger
from ledger.domain.errors import InvalidInput
from ledger.domain.principals import Principal
from ledger.tokens import Tokens, tokens_table
from tests.api.conftest import A


@pytest.fixture
def tokens(sqlite_url):
    ledger = Ledger(url=sqlite_url)
    yield Tokens(ledger.engine)
    ledger.close()


def test_a_token_authenticates_as_its_principal_and_is_stored_only_hashed(tokens):
    token = tokens.create("agency", f"agency-{A}", A)
    assert tokens.authenticate(token) == Principal(f"agency-{A}", "agency", A)
    with tokens.engine.connect() as conn:
        stored = conn.execute(sa.select(tokens_table)).all()
    assert [row.token_hash for row in stored] == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in repr(stored)


def test_unknown_and_missing_tokens_authenticate_as_nobody(tokens):
    tokens.create("auditor", "chen")
    assert tokens.authenticate("guess") is None and tokens.authenticate(None) is None


@pytest.mark.parametrize("role, agency, field", [
    ("superuser", None, "role"), ("agency", None, "agency"),
    ("agency", "91341800H9EH9J1GRE", "agency"), ("auditor", A, "agency"),
])
def test_a_token_is_refused_for_an_unknown_role_or_a_bad_agency(tokens, role, agency, field):
    with pytest.raises(InvalidInput) as refused:
        tokens.create(role, "someone", agency)
    assert field in refused.value.errors


def test_ledger_token_create_prints_the_token_and_nothing_else(sqlite_url):
    env = {**os.environ, "LEDGER_DATABASE_URL": sqlite_url}
    done = subprocess.run([sys.executable, "-m", "ledger.cli", "token", "create", "--role",
                           "agency", "--name", "jt", "--agency", A],
                          env=env, capture_output=True, text=True, check=True)
    token = done.stdout.strip()
    assert done.stdout == token + "\n" and len(token) >= 40
    ledger = Ledger(url=sqlite_url)
    try:
        assert Tokens(ledger.engine).authenticate(token) == Principal("jt", "agency", A)
    finally:
        ledger.close()


def test_ledger_token_create_refuses_an_agency_role_without_a_code(sqlite_url):
    env = {**os.environ, "LEDGER_DATABASE_URL": sqlite_url}
    done = subprocess.run([sys.executable, "-m", "ledger.cli", "token", "create", "--role",
                           "agency", "--name", "jt"], env=env, capture_output=True, text=True)
    assert done.returncode != 0 and done.stdout == "" and "agency" in done.stderr
