"""GET /api/v1/integrity answers the last verification (the chain and the read models),
run in the background or by `ledger verify`, never inside the request."""

from __future__ import annotations

import sqlalchemy as sa

from tests.api.conftest import Callers, build_world, make_app


def settled(app, caller) -> dict:
    """The report once the verification the first call started has finished."""
    caller.get("/api/v1/integrity")
    app.extensions["ledger_verifications"].wait(60)
    return caller.get("/api/v1/integrity").get_json()
from tests.integrity.tamper import rows, run


def test_the_report_names_the_head_and_what_was_checked(database_url):
    app = make_app(database_url)
    build_world(app)
    callers = Callers(app)
    report = settled(app, callers.auditor)
    last = rows(app.extensions["ledger"].ledger.engine)[-1]
    assert report["verified"] is True and report["projections_match"] is True
    assert (report["events"], report["head"], report["head_position"]) == \
        (len(rows(app.extensions["ledger"].ledger.engine)), last["hash"], last["id"])
    assert report["first_damaged_position"] is None and report["problems"] == []
    assert "compared with a rebuild" in report["checked"]
    assert callers.agency_a.get("/api/v1/integrity").status_code == 403
    app.extensions["ledger"].close()


def test_damage_to_the_log_and_the_read_models_is_reported(database_url):
    app = make_app(database_url)
    build_world(app)
    engine = app.extensions["ledger"].ledger.engine
    victim = rows(engine)[3]
    run(engine, "UPDATE ledger_events SET seq = seq + 100 WHERE id = :i", {"i": victim["id"]})
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE rm_month SET pending_points = '9'"))
    report = settled(app, Callers(app).regulator)
    assert report["verified"] is False and report["projections_match"] is False
    assert report["first_damaged_position"] == victim["id"]
    assert {p["kind"] for p in report["problems"]} >= {"sequence", "projection"}
    app.extensions["ledger"].close()
