"""Text an older store holds that a database text column refuses (NUL on PostgreSQL, unpaired
surrogates anywhere): the log keeps it, the read side stores U+FFFD in its place and catches
up, reads answer, `ledger rebuild` and `ledger verify` succeed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner

from ledger.api import create_app
from ledger.cli import main
from ledger.domain.agency import Agency
from ledger.domain.deduction import dispute_id_for
from ledger.domain.training import TrainingSession
from ledger.projections.store.decoding import EventDecoder
from ledger.projections.store.storable import storable
from tests.conftest import REGULATOR, REVIEWER

A = "91341800H9EH9J1GRF"
FFFD = "\ufffd"


def write_directly(ledger) -> dict:
    """Events carrying NUL, saved around the commands' checks, as an older ledger let them in."""
    agency = Agency(credit_code=A, name="敬亭\x00招标", registered_on=date(2022, 1, 1),
                    recorded_by="li.regulator")
    ledger.save(agency)
    deduction = ledger.deduction(ledger.record_deduction(
        REGULATOR, A, "D01", date(2022, 3, 1), "late").id)
    deduction._file_dispute(dispute_id=dispute_id_for(deduction.id), grounds="on\x00time",
                            filed_on=date(2022, 3, 2), review_due=date(2022, 3, 16),
                            calendar="shipped", recorded_by=f"agency-{A}")
    deduction._resolve_dispute(outcome="upheld", points=None, reasoning="no\x00",
                               decided_on=date(2022, 3, 10), recorded_by=REVIEWER.name)
    ledger.save(deduction)
    withdrawn = ledger.deduction(ledger.record_deduction(
        REGULATOR, A, "D02", date(2022, 3, 5), "late").id)
    withdrawn._withdraw(reason="wrong\x00agency", recorded_by="li.regulator")
    ledger.save(withdrawn)
    session = TrainingSession(kind="lecture", held_on=date(2022, 3, 1), topic="法规\x00",
                              hours=Decimal(2), recorded_by="li.regulator")
    session._record_attendance(agency=A, staff_ref="E\x001", staff_name="张\x00三",
                               recorded_by="li.regulator")
    ledger.save(session)
    return {"session": str(session.id), "deduction": str(deduction.id)}


@pytest.fixture
def stored(ledger):
    return write_directly(ledger)


def test_the_read_side_catches_up_past_nul_and_every_read_answers(database_url, ledger, stored):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    try:
        token = app.extensions["ledger"].tokens.create("regulator", "li.regulator", None)
        client = app.test_client()
        auth = {"Authorization": f"Bearer {token}"}
        agency = client.get(f"/api/v1/agencies/{A}", headers=auth)
        assert agency.status_code == 200 and agency.get_json()["name"] == f"敬亭{FFFD}招标"
        for path in (f"/api/v1/agencies/{A}/events", f"/api/v1/agencies/{A}/months/2022-03",
                     f"/api/v1/agencies/{A}/months/2022-03/trail",
                     f"/api/v1/agencies/{A}/deductions", "/api/v1/disputes",
                     f"/api/v1/agencies/{A}/evaluations/2022",
                     "/api/v1/standings?month=2022-03", "/api/v1/training/statistics?year=2022",
                     f"/api/v1/agencies/{A}/events?as_of_position=3"):
            response = client.get(path, headers=auth)
            assert response.status_code == 200, (path, response.get_json())
        events = client.get(f"/api/v1/agencies/{A}/events", headers=auth).get_json()
        assert "\x00" not in str(events) and FFFD in str(events)
        status = client.get("/api/v1/projections", headers=auth).get_json()
        assert all(s["status"] == "up_to_date" and s["failure"] is None for s in status)
        write = client.post(f"/api/v1/agencies/{A}/deductions", headers=auth, json={
            "rule_code": "D01", "found_on": "2022-04-01", "reason": "late"})
        assert write.status_code == 201 and "complete" not in write.get_json()
    finally:
        app.extensions["ledger"].close()
    assert ledger.repository.get(Agency.create_id(A)).name == "敬亭\x00招标"  # the log as it was


def test_rebuild_and_verify_succeed_on_a_log_holding_nul(database_url, ledger, stored,
                                                         monkeypatch, tmp_path):
    monkeypatch.setenv("LEDGER_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    rebuilt = runner.invoke(main, ["rebuild", "--one-at-a-time"], catch_exceptions=False)
    assert rebuilt.exit_code == 0, rebuilt.output
    verified = runner.invoke(main, ["verify"], catch_exceptions=False)
    assert verified.exit_code == 0, verified.output


def test_the_decoder_gives_the_read_side_storable_text_and_the_log_keeps_its_own(ledger):
    session = TrainingSession(kind="lecture", held_on=date(2022, 3, 1), topic="PLACEHOLDER",
                              hours=Decimal(2), recorded_by="li\x00")
    stored = ledger.mapper.to_stored_event(session.collect_events()[0])
    state = stored.state.replace(b"PLACEHOLDER", b"a\\ud800b\\u0000c")
    event = EventDecoder(ledger.mapper).event(stored.originator_id, 1, stored.topic, state)
    assert (event.topic, event.recorded_by) == (f"a{FFFD}b{FFFD}c", f"li{FFFD}")
    assert storable({"k\x00": ["\udfff", 1]}) == {f"k{FFFD}": [FFFD, 1]}
