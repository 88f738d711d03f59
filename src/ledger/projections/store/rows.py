"""Many-row INSERTs for the read models without SQLAlchemy's per-row work.

SQLAlchemy builds a parameter dict and runs every column's bind processor for each row of an
`executemany`; for the hundreds of thousands of rows a rebuild writes that cost more than the
database's own work. On SQLite the rows go straight to the driver's `executemany`, through the
same bind processors (so dates and timestamps are stored exactly as SQLAlchemy stores them);
PostgreSQL keeps SQLAlchemy's "insertmanyvalues" batching, which is already fast there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection

_PLANS: dict[tuple[str, str, bool, tuple[str, ...]], tuple[str, list]] = {}


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict],
                ignore_existing: bool = False) -> None:
    """INSERT every row (dicts with the same keys); `ignore_existing` skips duplicate keys."""
    if not rows:
        return
    dialect = conn.dialect
    if dialect.name != "sqlite":
        statement = insert(table)
        if ignore_existing:
            from sqlalchemy.dialects import postgresql
            statement = postgresql.insert(table).on_conflict_do_nothing()
        conn.execute(statement, list(rows))
        return
    names = tuple(rows[0])
    sql, processors = _plan(conn, table, names, ignore_existing)
    if any(processors):
        pairs = list(zip(names, processors))
        params = [tuple(p(row[n]) if p and row[n] is not None else row[n] for n, p in pairs)
                  for row in rows]
    else:
        params = [tuple(row[n] for n in names) for row in rows]
    conn.exec_driver_sql(sql, params)


def _plan(conn: Connection, table: Table, names: tuple[str, ...],
          ignore_existing: bool) -> tuple[str, list[Any]]:
    key = (conn.dialect.name, table.name, ignore_existing, names)
    plan = _PLANS.get(key)
    if plan is None:
        verb = "INSERT OR IGNORE" if ignore_existing else "INSERT"
        columns = ", ".join(f'"{n}"' for n in names)
        marks = ", ".join("?" for _ in names)
        processors = [table.c[n].type._cached_bind_processor(conn.dialect) for n in names]
        plan = _PLANS[key] = (f'{verb} INTO "{table.name}" ({columns}) VALUES ({marks})',
                              processors)
    return plan
