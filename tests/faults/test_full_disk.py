"""A store on a full disk refuses writes with a clean error in the API's shape, records no part
of them, and its chain still verifies."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.integrity.verify import verify
from tests.api.conftest import A, Callers, make_app

ATTEMPTS = 3000  # bounded: a 2 MiB disk is full long before


@pytest.fixture
def tiny_disk(tmp_path):
    """A 2 MiB tmpfs (as root); without the right to mount, the test is skipped."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2M", "tmpfs", str(mount)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(callers) -> tuple[list[int], object]:
    """Record ratings until one is refused; the acknowledged positions and the refusal."""
    acknowledged = []
    for n in range(ATTEMPTS):
        response = callers.regulator.post(f"/api/v1/agencies/{A}/purchaser-ratings", json={
            "rated_on": "2022-03-01", "purchaser": f"purchaser {n} " + uuid.uuid4().hex,
            "project_ref": f"P-{n}", "rating": 80})
        if response.status_code != 201:
            return acknowledged, response
        acknowledged.append(response.get_json()["position"])
    raise AssertionError("the disk never filled")


def test_a_full_disk_gives_a_clean_error_and_no_partial_record(tiny_disk: Path):
    app = make_app(f"sqlite:///{tiny_disk / 'ledger.sqlite3'}")
    callers = Callers(app)
    assert callers.regulator.post("/api/v1/agencies", json={
        "credit_code": A, "name": "宣城敬亭招标代理有限公司",
        "registered_on": "2019-05-10"}).status_code == 201
    acknowledged, refused = fill(callers)
    body = refused.get_json()
    assert refused.status_code == 503 and set(body) == {"code", "status", "message",
                                                               "errors"}
    engine = app.extensions["ledger"].ledger.engine
    with engine.connect() as conn:
        stored = list(conn.execute(sa.text("SELECT id FROM ledger_events ORDER BY id"))
                      .scalars())
    report = verify(engine)
    assert report.verified and set(acknowledged) <= set(stored)
    # At most the refused request's own event, complete and chained, beyond those acknowledged.
    assert len(stored) - 1 - len(acknowledged) in (0, 1)
    app.extensions["ledger"].close()
