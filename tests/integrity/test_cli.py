"""`ledger verify`, `key generate` and `checkpoint export|import` from the command line."""

from __future__ import annotations

import json
import stat
from datetime import date

import pytest
from click.testing import CliRunner

from ledger.cli import main
from tests.conftest import REGULATOR
from tests.integrity.conftest import write_events
from tests.integrity.tamper import rows, run


@pytest.fixture
def cli(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("LEDGER_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def published(ledger):
    """A log holding two publications of January 2023 among other events."""
    write_events(ledger, 3)
    ledger.publish_month(REGULATOR, "2023-01", date(2023, 2, 3))
    write_events(ledger, 2)
    ledger.publish_month(REGULATOR, "2023-01", date(2023, 2, 10))
    write_events(ledger, 1)
    return ledger


def test_key_generate_writes_a_private_key_only_its_owner_can_read(cli, tmp_path):
    result = cli("key", "generate", "--out", "bureau.key")
    assert result.exit_code == 0
    assert stat.S_IMODE((tmp_path / "bureau.key").stat().st_mode) == 0o600
    assert b"PUBLIC KEY" in (tmp_path / "bureau.key.pub").read_bytes()
    assert cli("key", "generate", "--out", "bureau.key").exit_code != 0  # never overwritten


def test_verify_exits_zero_on_an_intact_log_and_one_naming_the_damage(cli, published):
    assert cli("verify").exit_code == 0
    victim = rows(published.engine)[2]
    run(published.engine, "UPDATE ledger_events SET topic = 'forged' WHERE id = :i",
        {"i": victim["id"]})
    result = cli("verify", "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["first_damaged_position"] == victim["id"]


def test_export_signs_each_publication_and_verify_against_proves_extension(cli, published,
                                                                          tmp_path):
    cli("key", "generate", "--out", "bureau.key")
    assert cli("checkpoint", "export", "--key", "bureau.key", "--out", "PUBLICATIONS.json") \
        .exit_code == 0
    document = json.loads((tmp_path / "PUBLICATIONS.json").read_text())
    assert [(c["month"], c["revision"]) for c in document["checkpoints"]] == \
        [("2023-01", 1), ("2023-01", 2)]
    assert cli("verify", "--against", "PUBLICATIONS.json", "--public-key",
               "bureau.key.pub").exit_code == 0
    last = rows(published.engine)[-1]
    run(published.engine, "DELETE FROM ledger_events WHERE seq >= :s",
        {"s": document["checkpoints"][1]["seq"]})
    result = cli("verify", "--against", "PUBLICATIONS.json", "--public-key", "bureau.key.pub")
    assert result.exit_code == 1 and "truncated" in result.output
    assert last["id"] > document["checkpoints"][1]["position"]


def test_export_keeps_old_checkpoints_and_adds_only_new_publications(cli, published, tmp_path):
    cli("key", "generate", "--out", "bureau.key")
    cli("checkpoint", "export", "--key", "bureau.key", "--out", "PUBLICATIONS.json")
    first = (tmp_path / "PUBLICATIONS.json").read_text()
    published.publish_month(REGULATOR, "2023-02", date(2023, 3, 3))
    result = cli("checkpoint", "export", "--key", "bureau.key", "--out", "PUBLICATIONS.json")
    assert "1 new checkpoint" in result.output
    old = json.loads(first)["checkpoints"]
    assert json.loads((tmp_path / "PUBLICATIONS.json").read_text())["checkpoints"][:2] == old


def test_import_accepts_the_bureaus_checkpoints_and_refuses_a_forged_file(cli, published,
                                                                         tmp_path):
    cli("key", "generate", "--out", "bureau.key")
    cli("key", "generate", "--out", "forger.key")
    cli("checkpoint", "export", "--key", "bureau.key", "--out", "PUBLICATIONS.json")
    cli("checkpoint", "export", "--key", "forger.key", "--out", "FORGED.json")
    ok = cli("checkpoint", "import", "PUBLICATIONS.json", "--into", "auditor.json",
             "--public-key", "bureau.key.pub")
    assert ok.exit_code == 0 and "2 new checkpoint" in ok.output
    forged = cli("checkpoint", "import", "FORGED.json", "--into", "auditor.json",
                 "--public-key", "bureau.key.pub")
    assert forged.exit_code != 0 and "not signed" in forged.output
    assert len(json.loads((tmp_path / "auditor.json").read_text())["checkpoints"]) == 2


def test_export_refuses_to_sign_a_damaged_log(cli, published, tmp_path):
    cli("key", "generate", "--out", "bureau.key")
    run(published.engine, "DELETE FROM ledger_events WHERE seq = 2")
    result = cli("checkpoint", "export", "--key", "bureau.key", "--out", "PUBLICATIONS.json")
    assert result.exit_code != 0 and "damaged" in result.output
    assert not (tmp_path / "PUBLICATIONS.json").exists()
