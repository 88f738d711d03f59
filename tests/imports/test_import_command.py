"""`ledger import`: recorded as a regulator who holds a token, never as "import" or nobody."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ledger.application import Ledger
from ledger.cli import main
from ledger.tokens import Tokens
from tests.integrity.tamper import rows as stored_rows

A = "91341800H9EH9J1GRF"
AGENCIES = f"统一社会信用代码,机构名称,登记日期\n{A},敬亭招标,2022-01-01\n".encode("gbk")


@pytest.fixture
def store(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("LEDGER_DATABASE_URL", database_url)
    (tmp_path / "机构.csv").write_bytes(AGENCIES)
    return database_url, tmp_path / "机构.csv"


def recorders(url: str) -> list[str]:
    ledger = Ledger(url=url)
    try:
        return [json.loads(bytes(r["state"]))["recorded_by"] for r in stored_rows(ledger.engine)]
    finally:
        ledger.close()


def tokens(url: str, *names_and_roles: tuple[str, str]) -> None:
    ledger = Ledger(url=url)
    try:
        for name, role in names_and_roles:
            Tokens(ledger.engine).create(role, name)
    finally:
        ledger.close()


def run(*args: str):
    return CliRunner().invoke(main, ["import", *args])


def test_without_as_the_only_regulator_is_the_recorder(store):
    url, file = store
    tokens(url, ("li.regulator", "regulator"), ("wang.reviewer", "reviewer"))
    result = run(str(file))
    assert result.exit_code == 0, result.output
    assert recorders(url) == ["li.regulator"]


@pytest.mark.parametrize("args, said", [
    ((), "请用 --as 指明记录人"),
    (("--as", ""), "不是任何监管人员令牌的名称"),
    (("--as", "import"), "不是任何监管人员令牌的名称"),
    (("--as", "wang.reviewer"), "不是任何监管人员令牌的名称"),
])
def test_as_must_name_a_regulator_who_holds_a_token(store, args, said):
    url, file = store
    tokens(url, ("li.regulator", "regulator"), ("zhao.regulator", "regulator"),
           ("wang.reviewer", "reviewer"))
    result = run(*args, str(file))
    assert result.exit_code == 2 and said in result.output
    assert "li.regulator、zhao.regulator" in result.output
    assert recorders(url) == []


def test_the_second_import_of_a_file_says_nothing_new_and_succeeds(store):
    url, file = store
    tokens(url, ("li.regulator", "regulator"), ("zhao.regulator", "regulator"))
    assert run("--as", "zhao.regulator", str(file)).exit_code == 0
    again = run("--as", "li.regulator", str(file))
    assert again.exit_code == 0 and "1 行此前已记录" in again.output
    assert "没有新内容" in again.output
    assert recorders(url) == ["zhao.regulator"]


def test_a_gbk_file_with_an_unknown_layout_is_refused_without_a_traceback(store):
    url, file = store
    tokens(url, ("li.regulator", "regulator"))
    file.write_bytes("姓名,电话\n张三,123\n".encode("gbk"))
    result = run(str(file))
    assert result.exit_code == 1 and "没有可识别的列名（姓名、电话）" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_as_refuses_a_regulator_whose_only_token_was_revoked(store):
    url, file = store
    tokens(url, ("li.regulator", "regulator"))
    ledger = Ledger(url=url)
    try:
        store_tokens = Tokens(ledger.engine)
        store_tokens.create("regulator", "zhao.regulator")
        zhao = next(r for r in store_tokens.list() if r.principal.name == "zhao.regulator")
        store_tokens.revoke(zhao.id)
    finally:
        ledger.close()
    result = run("--as", "zhao.regulator", str(file))
    assert result.exit_code == 2 and "不是任何监管人员令牌的名称" in result.output
    assert recorders(url) == []
