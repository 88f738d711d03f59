"""A read model that fails on an event never passes silently: it applies the events before
it, keeps the failing position and the error (GET /api/v1/projections), reads answer 503 in
the error shape, and `ledger verify` names it and exits non-zero."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from ledger.api import create_app
from ledger.cli import main
from ledger.domain.deduction import Deduction
from ledger.projections.store.failures import ProjectionFailed
from ledger.projections.store.runner import ASSESSMENTS, Projections
from tests.conftest import REGULATOR

A, UNREGISTERED = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG"


@pytest.fixture
def broken(ledger) -> int:
    """A log whose second event (a deduction of an agency never registered, saved around the
    command's check) the assessments model cannot apply; the position of that event."""
    ledger.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
    item = ledger.catalogue().version_on(date(2022, 3, 1)).items["D01"]
    ledger.save(Deduction.record(UNREGISTERED, item, "2021", date(2022, 3, 1), None, "late",
                                 None, None, date(2022, 6, 1), "li.regulator"))
    ledger.record_deduction(REGULATOR, A, "D01", date(2022, 3, 2), "late")
    return 2


def test_the_failing_event_and_the_error_are_kept_and_the_events_before_it_applied(ledger,
                                                                                  broken):
    runner = Projections(ledger)
    with pytest.raises(ProjectionFailed) as failed:
        runner.catch_up(ASSESSMENTS)
    assert failed.value.position == broken
    status = {s["name"]: s for s in runner.status()}[ASSESSMENTS]
    assert status["status"] == "failed" and status["position"] == broken - 1
    assert status["failure"]["position"] == broken
    assert UNREGISTERED in status["failure"]["error"]


def test_the_api_shows_the_failure_and_reads_answer_503(database_url, ledger, broken):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    try:
        token = app.extensions["ledger"].tokens.create("regulator", "li.regulator", None)
        auth = {"Authorization": f"Bearer {token}"}
        client = app.test_client()
        read = client.get(f"/api/v1/agencies/{A}/months/2022-03", headers=auth)
        assert read.status_code == 503 and f"position {broken}" in read.get_json()["message"]
        listed = {s["name"]: s for s in client.get("/api/v1/projections",
                                                    headers=auth).get_json()}
        assert listed[ASSESSMENTS]["status"] == "failed"
        assert listed[ASSESSMENTS]["failure"]["position"] == broken
        assert "KeyError" in listed[ASSESSMENTS]["failure"]["error"]
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert f"stopped at position {broken}" in ready.get_json()["errors"][ASSESSMENTS][0]
    finally:
        app.extensions["ledger"].close()


def test_verify_names_the_stopped_read_model_and_exits_non_zero(database_url, ledger, broken,
                                                                monkeypatch, tmp_path):
    monkeypatch.setenv("LEDGER_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["verify", "--no-read-models"], catch_exceptions=False)
    assert result.exit_code == 1
    assert f"read model assessments STOPPED before position {broken}: KeyError" in result.output
    as_json = runner.invoke(main, ["verify", "--json"], catch_exceptions=False)
    assert as_json.exit_code == 1
    stuck = json.loads(as_json.output)["stuck_read_models"]
    assert [(s["name"], s["position"]) for s in stuck] == [(ASSESSMENTS, broken)]


def test_the_failure_is_forgotten_once_the_model_applies_the_event(ledger, monkeypatch):
    from ledger.projections.model.fold import LedgerModel

    ledger.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
    runner = Projections(ledger)
    apply = LedgerModel.apply

    def failing(self, position, event, changes):
        raise RuntimeError("a bug in the fold")
    monkeypatch.setattr(LedgerModel, "apply", failing)
    with pytest.raises(ProjectionFailed):
        runner.catch_up(ASSESSMENTS)
    assert {s["name"]: s for s in runner.status()}[ASSESSMENTS]["status"] == "failed"
    monkeypatch.setattr(LedgerModel, "apply", apply)  # the bug fixed
    runner.catch_up(ASSESSMENTS)
    status = {s["name"]: s for s in runner.status()}[ASSESSMENTS]
    assert (status["status"], status["failure"], status["lag"]) == ("up_to_date", None, 0)
