"""The events table refuses UPDATE and DELETE in the database itself, on both backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ledger.integrity.guard import remove_guard, unguarded
from ledger.integrity.verify import EVENTS_TABLE
from tests.integrity.tamper import rows

REFUSED = [
    f"UPDATE {EVENTS_TABLE} SET topic = 'forged'",
    f"UPDATE {EVENTS_TABLE} SET state = state WHERE id = 1",
    f"DELETE FROM {EVENTS_TABLE} WHERE id = 1",
    f"DELETE FROM {EVENTS_TABLE}",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_update_and_delete_through_sql_are_refused(ledger, log, statement):
    before = rows(ledger.engine)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with ledger.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    assert rows(ledger.engine) == before


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # PostgreSQL only
def test_truncate_is_refused_on_postgres(database_url, ledger, log):
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with ledger.engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {EVENTS_TABLE}")
    assert len(rows(ledger.engine)) == len(log)


def test_the_owner_can_lift_the_guard_and_it_comes_back(ledger, log):
    with unguarded(ledger.engine, EVENTS_TABLE), ledger.engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM {EVENTS_TABLE} WHERE id = {log[-1]}")
    assert len(rows(ledger.engine)) == len(log) - 1
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with ledger.engine.begin() as conn:
            conn.exec_driver_sql(f"DELETE FROM {EVENTS_TABLE}")


def test_reopening_the_store_reinstalls_a_dropped_guard(ledger, log, database_url):
    from ledger.application import Ledger
    remove_guard(ledger.engine, EVENTS_TABLE)
    Ledger(url=database_url).close()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with ledger.engine.begin() as conn:
            conn.exec_driver_sql(f"DELETE FROM {EVENTS_TABLE}")
