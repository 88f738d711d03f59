"""verify rebuilds the read models from the log in memory and names what the stored ones got wrong."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from ledger.cli import main
from ledger.integrity.audit import audit
from ledger.projections.queries.queries import ReadSide
from ledger.projections.store.runner import NAMES
from tests.scenario import replay


@pytest.fixture
def projected(ledger, scenario):
    """The worked example, projected a few events at a time (the incremental path)."""
    replay(ledger, scenario)
    side = ReadSide(ledger)
    for name in NAMES:
        gen, _ = side.runner.active(name)
        while side.runner.process_batch(name, gen, limit=7):
            pass
    return ledger


def sql(ledger, statement: str) -> None:
    with ledger.engine.begin() as conn:
        conn.execute(sa.text(statement))


def test_incrementally_maintained_read_models_match_a_rebuild(projected):
    report = audit(projected)
    assert report.verified and report.projections_match is True, report.problems
    assert "compared with a rebuild" in report.checked


def test_a_changed_month_score_is_named_by_agency_and_month(projected):
    with projected.engine.connect() as conn:
        agency, month = conn.execute(sa.text(
            "SELECT agency, month FROM rm_month ORDER BY agency, month LIMIT 1")).one()
    sql(projected, f"UPDATE rm_month SET score = '1' WHERE agency = '{agency}' "
                   f"AND month = '{month}'")
    report = audit(projected)
    assert not report.verified and report.projections_match is False
    assert report.first_damaged_position is None  # the log itself is intact
    assert [p.detail for p in report.problems] == [
        f"rm_month (agency={agency}, month={month}) differs from a rebuild in score"]


def test_removed_trail_rows_and_forged_events_are_each_named(projected):
    sql(projected, "DELETE FROM rm_trail WHERE position = (SELECT max(position) FROM rm_trail)")
    sql(projected, "UPDATE rm_event SET recorded_by = 'nobody' WHERE position = 3")
    details = [p.detail for p in audit(projected).problems if p.kind == "projection"]
    assert any(d.startswith("rm_trail") and "missing from the stored read model" in d
               for d in details)
    assert any(d.startswith("rm_event (position=3)") and "recorded_by" in d for d in details)


def test_forged_published_standings_are_named(projected):
    sql(projected, "UPDATE rm_publication SET rows = '[]'")
    details = [p.detail for p in audit(projected).problems]
    assert details and all(d.startswith("rm_publication") and d.endswith("rows")
                           for d in details)


def test_a_ledger_without_read_models_says_they_were_not_compared(ledger, scenario):
    replay(ledger, scenario)
    report = audit(ledger)
    assert report.verified and report.projections_match is None
    assert "none stored" in report.checked


def test_ledger_verify_exits_one_on_damaged_read_models(projected, database_url, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", database_url)
    runner = CliRunner()
    assert runner.invoke(main, ["verify"]).exit_code == 0
    sql(projected, "DELETE FROM rm_deduction WHERE position = "
                   "(SELECT min(position) FROM rm_deduction)")
    result = runner.invoke(main, ["verify", "--json"])
    report = json.loads(result.output)
    assert result.exit_code == 1 and report["projections_match"] is False
    assert report["problems"][0]["detail"].startswith("rm_deduction")
    assert runner.invoke(main, ["verify", "--no-read-models"]).exit_code == 0


def test_a_model_let_go_past_its_bound_still_folds_what_a_rebuild_does(
        ledger, scenario, monkeypatch):
    """Past `KEEP_AGENCIES` the runner keeps no model between batches: every batch loads the
    agencies it touches from their stored states, and the rows still equal a rebuild."""
    from ledger.projections.store import runner as runner_module
    monkeypatch.setattr(runner_module, "KEEP_AGENCIES", 1)
    replay(ledger, scenario)
    side = ReadSide(ledger)
    gen, _ = side.runner.active("assessments")
    batches = 0
    while side.runner.process_batch("assessments", gen, limit=7):
        batches += 1
        held = side.runner._models.get(("assessments", gen))
        assert held is None or len(held.agencies) <= 1
    assert batches > 1
    gen, _ = side.runner.active("event_index")
    while side.runner.process_batch("event_index", gen):
        pass
    report = audit(ledger)
    assert report.verified and report.projections_match is True, report.problems
