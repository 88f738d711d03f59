"""With the bureau's key configured, each month publication is signed as it is made, with the
chain head and the published standings' digest; `verify --against` checks both."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from ledger.api import create_app
from ledger.cli import main
from ledger.integrity.digest import standings_digest
from ledger.integrity.publications import read_publications
from ledger.integrity.signing import generate_key, load_public_key, signature_valid
from tests.api.conftest import Callers, build_world


@pytest.fixture
def keys(tmp_path):
    private, public = generate_key(tmp_path / "bureau.key")
    return {"LEDGER_SIGNING_KEY": str(private),
            "LEDGER_PUBLICATIONS_FILE": str(tmp_path / "PUBLICATIONS.json"), "public": public}


@pytest.fixture
def signing_app(database_url, keys):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SIGNING_ENV": keys})
    build_world(app)
    yield app
    app.extensions["ledger"].close()


def publish(callers, month="2022-01", on="2022-02-10"):
    response = callers.regulator.post(f"/api/v1/months/{month}/publication",
                                      json={"published_on": on})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def event_row(app, position):
    with app.extensions["ledger"].ledger.engine.connect() as conn:
        return conn.execute(sa.text("SELECT seq, hash FROM ledger_events WHERE id = :p"),
                            {"p": position}).one()


def test_a_publication_is_signed_with_its_event_hash_and_standings_digest(signing_app, keys):
    callers = Callers(signing_app)
    body = publish(callers)
    checkpoint = body["checkpoint"]
    seq, head = event_row(signing_app, body["position"])
    assert (checkpoint["position"], checkpoint["seq"], checkpoint["head"]) == \
        (body["position"], seq, head)
    published = callers.anonymous.get("/api/v1/standings?month=2022-01&basis=published")
    # A third party recomputes the digest from the API's JSON alone.
    assert checkpoint["standings_digest"] == standings_digest(published.get_json()["rows"])
    stored = read_publications(keys["LEDGER_PUBLICATIONS_FILE"])
    assert [c.signature for c in stored.checkpoints] == [checkpoint["signature"]]
    assert signature_valid(stored.checkpoints[0], load_public_key(keys["public"].read_bytes()))


def test_a_republication_adds_a_checkpoint_and_keeps_the_first(signing_app, keys):
    callers = Callers(signing_app)
    first = publish(callers)["checkpoint"]
    second = publish(callers, on="2022-02-11")["checkpoint"]
    stored = read_publications(keys["LEDGER_PUBLICATIONS_FILE"]).checkpoints
    assert [(c.revision, c.signature) for c in stored] == \
        [(1, first["signature"]), (2, second["signature"])]


def test_without_a_key_a_publication_carries_no_checkpoint(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'l.sqlite3'}",
                      "SIGNING_ENV": {}})
    build_world(app)
    assert publish(Callers(app))["checkpoint"] is None
    app.extensions["ledger"].close()


def test_a_key_without_a_publications_file_is_refused_at_start(tmp_path, keys):
    with pytest.raises(ValueError, match="LEDGER_PUBLICATIONS_FILE"):
        create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'l.sqlite3'}",
                    "SIGNING_ENV": {"LEDGER_SIGNING_KEY": keys["LEDGER_SIGNING_KEY"]}})


def test_verify_against_the_file_detects_forged_published_standings(signing_app, keys,
                                                                   database_url, monkeypatch):
    publish(Callers(signing_app))
    monkeypatch.setenv("LEDGER_DATABASE_URL", database_url)
    args = ["verify", "--json", "--against", keys["LEDGER_PUBLICATIONS_FILE"],
            "--public-key", str(keys["public"])]
    assert CliRunner().invoke(main, args).exit_code == 0
    with signing_app.extensions["ledger"].ledger.engine.begin() as conn:
        rows = json.loads(conn.execute(sa.text("SELECT rows FROM rm_publication")).scalar())
        rows[0]["score"] = {"$n": "100"} if rows[0]["score"] != {"$n": "100"} else {"$n": "99"}
        conn.execute(sa.text("UPDATE rm_publication SET rows = :r"), {"r": json.dumps(rows)})
    result = CliRunner().invoke(main, args)
    kinds = {p["kind"] for p in json.loads(result.output)["problems"]}
    assert result.exit_code == 1 and kinds == {"projection", "standings"}


def test_checkpoint_export_signs_the_same_digest_as_the_server(signing_app, keys, database_url,
                                                               monkeypatch, tmp_path):
    signed = publish(Callers(signing_app))["checkpoint"]
    monkeypatch.setenv("LEDGER_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["checkpoint", "export", "--key",
                                       keys["LEDGER_SIGNING_KEY"], "--out",
                                       str(tmp_path / "EXPORTED.json")])
    assert result.exit_code == 0, result.output
    exported = read_publications(tmp_path / "EXPORTED.json").checkpoints
    assert [(c.head, c.standings_digest) for c in exported] == \
        [(signed["head"], signed["standings_digest"])]
