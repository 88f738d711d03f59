"""The event index's lookup of a stream's agency from the rows of its earlier events."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import insert

from ledger.projections.store import tables as t
from ledger.projections.store.runner import Projections, stream_agencies

AGENCY, OTHER = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG"


def test_each_stream_s_agency_comes_from_its_rows_in_the_generation(ledger):
    runner = Projections(ledger)
    at = datetime(2026, 1, 5, tzinfo=timezone.utc)
    rows = [  # (gen, position, stream, agency)
        (7, 1, "agency-stream", AGENCY), (7, 2, "agency-stream", AGENCY),
        (7, 3, "agency-stream", AGENCY),
        (7, 4, "month-stream", None),  # a stream whose rows hold no agency
        (8, 5, "other-gen-stream", OTHER),  # another generation's row
    ]
    with runner.engine.begin() as conn:
        conn.execute(insert(t.event), [
            {"gen": gen, "position": position, "recorded_at": at, "recorded_by": "test",
             "event": "Any", "originator_id": stream, "agency": agency, "data": "{}"}
            for gen, position, stream, agency in rows])
        found = stream_agencies(conn, 7, {"agency-stream", "month-stream", "other-gen-stream",
                                          "no-rows"})
    # A stream with rows that hold no agency is known (None); one without rows is not, so
    # that the batch's own events give it.
    assert found == {"agency-stream": AGENCY, "month-stream": None}
