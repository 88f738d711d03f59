"""An as-of answer reads one agency's events through indexes, never by scanning the whole log."""

from __future__ import annotations

from sqlalchemy import event

from ledger.application import Ledger
from ledger.projections.queries.queries import AsOf, ReadSide
from tests.conftest import reset_postgres
from tests.scenario import replay

AGENCY = "91341800H9EH9J1GRF"


def test_the_agency_events_query_uses_indexes_on_postgresql(postgres_server, scenario):
    # Small tables: without its settings PostgreSQL would scan them, as it scanned the whole
    # nation-scale log after misjudging how many rows an agency's streams match.
    reset_postgres(postgres_server)
    ledger = Ledger(url=postgres_server)
    replay(ledger, scenario)
    side = ReadSide(ledger)
    side.refresh()
    # Answer as a generation built before history rows does (docs/READ_SIDE.md, "Stores built
    # before history rows"): its as-of answers fold the agency's events.
    side._held[side._gen()] = frozenset()
    plans: list[str] = []

    def explain(conn, cursor, statement, params, context, executemany):
        if "UNION ALL" in statement:  # the agency's events: explained in its own transaction
            rows = cursor.connection.execute("EXPLAIN " + statement, params).fetchall()
            plans.append("\n".join(row[0] for row in rows))

    event.listen(side.engine, "after_cursor_execute", explain)
    try:
        # Without history an agency's rectification queue as of a moment folds its events.
        answer = side.rectifications(agency=AGENCY, as_of=AsOf(position=side.runner.head()))
    finally:
        event.remove(side.engine, "after_cursor_execute", explain)
        ledger.close()
    assert all(d["agency"] == AGENCY for d in answer)
    assert plans, "the as-of read did not run the agency's events query"
    assert all("Seq Scan" not in plan for plan in plans), plans
