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

_PLANS: dict[tuple[str, str, Any, tuple[str, ...]], tuple[str, list]] = {}
_UPSERTS: dict[tuple[str, tuple[str, ...]], Any] = {}  # PostgreSQL's, built once (cache key)


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
    _insert_plan(conn, table, rows, bool(ignore_existing))


def upsert_rows(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    """INSERT every row, or where a row of the same primary key exists, replace its other
    columns with the row's: one statement where a DELETE of the keys and an INSERT took two
    (`INSERT ... ON CONFLICT (key) DO UPDATE`, the same on SQLite and PostgreSQL). The rows
    must hold every column (checked: a column left out would keep its old value) and no key
    twice."""
    if not rows:
        return
    names = tuple(rows[0])
    if len(names) != len(table.c):
        raise ValueError(f"an upsert into {table.name} must set every column, not {names}")
    if conn.dialect.name != "sqlite":
        statement = _UPSERTS.get((table.name, names))
        if statement is None:
            from sqlalchemy.dialects import postgresql
            insert_ = postgresql.insert(table)
            statement = _UPSERTS[(table.name, names)] = insert_.on_conflict_do_update(
                index_elements=list(table.primary_key.columns),
                set_={n: insert_.excluded[n] for n in names
                      if not table.c[n].primary_key})
        conn.execute(statement, list(rows))
        return
    _insert_plan(conn, table, rows, "upsert")


def _insert_plan(conn: Connection, table: Table, rows: Sequence[dict], mode: Any) -> None:
    names = tuple(rows[0])
    sql, processors = _plan(conn, table, names, mode)
    if any(processors):
        pairs = list(zip(names, processors))
        params = [tuple(p(row[n]) if p and row[n] is not None else row[n] for n, p in pairs)
                  for row in rows]
    else:
        params = [tuple(row[n] for n in names) for row in rows]
    conn.exec_driver_sql(sql, params)


def _plan(conn: Connection, table: Table, names: tuple[str, ...],
          mode: Any) -> tuple[str, list[Any]]:
    """SQLite's statement and bind processors: `mode` True (or False) for INSERT OR IGNORE
    (or INSERT), "upsert" for INSERT ... ON CONFLICT (primary key) DO UPDATE."""
    key = (conn.dialect.name, table.name, mode, names)
    plan = _PLANS.get(key)
    if plan is None:
        verb = "INSERT OR IGNORE" if mode is True else "INSERT"
        columns = ", ".join(f'"{n}"' for n in names)
        marks = ", ".join("?" for _ in names)
        sql = f'{verb} INTO "{table.name}" ({columns}) VALUES ({marks})'
        if mode == "upsert":
            keys = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
            sets = ", ".join(f'"{n}" = excluded."{n}"' for n in names
                             if not table.c[n].primary_key)
            sql += f" ON CONFLICT ({keys}) DO UPDATE SET {sets}"
        processors = [table.c[n].type._cached_bind_processor(conn.dialect) for n in names]
        plan = _PLANS[key] = (sql, processors)
    return plan
