"""An agency token never sees another agency's dispute grounds, reasoning or evidence, on any
route, as it stands or as of any past position."""

from __future__ import annotations

from datetime import date

import pytest

from tests.api.conftest import A, B, Callers, build_world, head, principal

GROUNDS, EVIDENCE, REASONING = "GROUNDS-OF-A-7f3e", "EVIDENCE-OF-A-91c2", "REASONING-OF-A-5d0b"
SECRETS = (GROUNDS, EVIDENCE, REASONING)


@pytest.fixture
def secrets_of_a(app):
    """A's deduction with evidence, disputed by A and resolved; B has its own history."""
    build_world(app)
    ledger = app.extensions["ledger"].ledger
    deduction = ledger.record_deduction(principal("regulator"), A, "D03", date(2022, 5, 9),
                                        "contract late", evidence={"document": EVIDENCE}).id
    dispute = ledger.file_dispute(principal("regulator"), deduction, GROUNDS,
                                  date(2022, 5, 10)).id  # A's paper submission
    ledger.resolve_dispute(principal("reviewer"), dispute, "upheld", REASONING,
                           date(2022, 5, 20))
    app.extensions["ledger"].read_side.wait_for(head(app))
    return deduction, dispute


def read_paths(position: int) -> list[str]:
    """Every GET route an agency may call, for both agencies, now and as of each position."""
    paths = ["/api/v1/disputes", "/api/v1/disputes?status=upheld", "/api/v1/standings/annual"
             "?year=2022", "/api/v1/training/statistics?year=2022"]
    for code in (A, B):
        paths += [f"/api/v1/agencies/{code}", f"/api/v1/agencies/{code}/events",
                  f"/api/v1/agencies/{code}/deductions",
                  f"/api/v1/agencies/{code}/evaluations/2022"]
        for month in ("2022-01", "2022-05"):
            paths += [f"/api/v1/agencies/{code}/months/{month}",
                      f"/api/v1/agencies/{code}/months/{month}/trail",
                      f"/api/v1/standings?month={month}"]
    as_of = [p for p in paths if "/agencies/" in p or "disputes" in p or "standings" in p]
    for at in range(1, position + 1):
        paths += [f"{p}{'&' if '?' in p else '?'}as_of_position={at}" for p in as_of]
    paths += [f"{p}{'&' if '?' in p else '?'}as_of=2099-01-01T00:00:00Z" for p in as_of]
    return paths


def test_no_route_shows_agency_b_what_agency_a_disputed_or_proved(app, secrets_of_a):
    callers = Callers(app)
    seen = {}
    for path in read_paths(head(app)):
        response = callers.agency_b.get(path)
        assert response.status_code in (200, 403, 404), (path, response.status_code)
        seen[path] = response.get_data(as_text=True)
    leaks = [path for path, body in seen.items() if any(s in body for s in SECRETS)]
    assert leaks == []
    # The same routes do show them to A itself, so the search above could find them.
    own = "".join(callers.agency_a.get(p).get_data(as_text=True) for p in (
        f"/api/v1/agencies/{A}/deductions", "/api/v1/disputes",
        f"/api/v1/agencies/{A}/months/2022-05/trail"))
    assert all(s in own for s in SECRETS)


def test_another_agencys_dispute_cannot_be_filed_or_read_back(app, secrets_of_a):
    deduction, dispute = secrets_of_a
    callers = Callers(app)
    filed = callers.agency_b.post(f"/api/v1/deductions/{deduction}/disputes",
                                  json={"grounds": "mine"})
    resolved = callers.agency_b.post(f"/api/v1/disputes/{dispute}/resolution",
                                     json={"outcome": "upheld", "reasoning": "x",
                                           "decided_on": "2022-05-20"})
    assert (filed.status_code, resolved.status_code) == (403, 403)
    assert not any(s in filed.get_data(as_text=True) + resolved.get_data(as_text=True)
                   for s in SECRETS)


def test_agency_pages_and_exports_show_b_nothing_of_a(app, secrets_of_a):
    callers = Callers(app)
    client = app.test_client()
    from tests.web.conftest import csrf_token
    signed = client.post("/sign-in", data={"token": callers.agency_b.token,
                                           "csrf_token": csrf_token(client)})
    assert signed.status_code == 303
    bodies = [client.get(path).get_data(as_text=True) for path in (
        f"/agencies/{A}", f"/agencies/{A}/months/2022-05", f"/agencies/{B}",
        f"/agencies/{B}/months/2022-05", "/bureau", f"/exports/agencies/{A}/trail.csv",
        "/exports/deductions.csv?month=2022-05", "/standings?month=2022-05")]
    assert not any(s in body for body in bodies for s in SECRETS)
