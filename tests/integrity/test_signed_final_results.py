"""With the bureau's key configured, a year's final results are signed as they are recorded,
like a month publication; `ledger verify --against` checks the log still holds them as signed."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from ledger.api import create_app
from ledger.cli import main
from ledger.integrity.publications import read_publications
from ledger.integrity.signing import generate_key, load_public_key, signature_valid
from tests.api.conftest import Callers, build_world
from tests.clock import Clock
from tests.integrity import tamper


@pytest.fixture
def keys(tmp_path):
    private, public = generate_key(tmp_path / "bureau.key")
    return {"LEDGER_SIGNING_KEY": str(private),
            "LEDGER_PUBLICATIONS_FILE": str(tmp_path / "PUBLICATIONS.json"), "public": public}


@pytest.fixture
def finalized(database_url, keys):
    clock = Clock()
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SIGNING_ENV": keys,
                      "TODAY": clock})
    build_world(app)
    callers = Callers(app)
    assert callers.regulator.post("/api/v1/years/2022/notice",
                                  json={"opened_on": "2023-01-19"}).status_code == 201
    clock.day = date(2023, 2, 1)
    response = callers.regulator.post("/api/v1/years/2022/final",
                                      json={"finalized_on": "2023-02-01"})
    assert response.status_code == 201, response.json
    yield app, response.json
    app.extensions["ledger"].close()


def test_final_results_are_signed_with_their_event_hash_and_digest(finalized, keys):
    _, body = finalized
    checkpoint = body["checkpoint"]
    assert (checkpoint["month"], checkpoint["revision"], checkpoint["position"]) == (
        "2022-final", 1, body["position"])
    stored = read_publications(keys["LEDGER_PUBLICATIONS_FILE"]).checkpoints
    assert [c.signature for c in stored] == [checkpoint["signature"]]
    assert signature_valid(stored[0], load_public_key(keys["public"].read_bytes()))


def test_verify_detects_rewritten_final_results(finalized, keys, database_url, monkeypatch):
    app, body = finalized
    monkeypatch.setenv("LEDGER_DATABASE_URL", database_url)
    args = ["verify", "--json", "--no-read-models", "--against",
            keys["LEDGER_PUBLICATIONS_FILE"], "--public-key", str(keys["public"])]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    # An attacker rewrites the final event's figures and re-hashes the whole chain.
    engine = app.extensions["ledger"].ledger.engine
    rows = tamper.rows(engine)
    index = next(i for i, r in enumerate(rows) if r["id"] == body["position"])
    state = json.loads(bytes(rows[index]["state"]))
    for evaluation in state["evaluations"].values():
        evaluation["grade"] = "excellent"
    rows[index]["state"] = json.dumps(state, sort_keys=True, separators=(",", ":")).encode()
    tamper.replace_rows(engine, tamper.rehash(rows))
    result = CliRunner().invoke(main, args)
    problems = json.loads(result.output)["problems"]
    assert result.exit_code == 1
    assert any(p["kind"] == "final" and "2022" in p["detail"] for p in problems), problems


def test_checkpoint_export_signs_final_results_too(finalized, keys, database_url, monkeypatch,
                                                   tmp_path):
    _, body = finalized
    monkeypatch.setenv("LEDGER_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["checkpoint", "export", "--key",
                                       keys["LEDGER_SIGNING_KEY"], "--out",
                                       str(tmp_path / "EXPORTED.json")])
    assert result.exit_code == 0, result.output
    exported = read_publications(tmp_path / "EXPORTED.json").checkpoints
    assert [(c.month, c.head, c.standings_digest) for c in exported] == [
        ("2022-final", body["checkpoint"]["head"], body["checkpoint"]["standings_digest"])]
