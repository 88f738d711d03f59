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
from sqlalchemy.exc import DBAPIError

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
    _every_column(table, names)
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
    _executemany(conn, sql, params)


def _every_column(table: Table, names: tuple[str, ...]) -> None:
    """An upsert must set every column: one left out would keep its old value."""
    if len(names) != len(table.c):
        raise ValueError(f"an upsert into {table.name} must set every column, not {names}")


def on_conflict_update(table: Table, names: tuple[str, ...]) -> str:
    """The clause that makes an INSERT of every column an upsert on the primary key (the same
    text on SQLite and PostgreSQL)."""
    _every_column(table, names)
    keys = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
    sets = ", ".join(f'"{n}" = excluded."{n}"' for n in names if not table.c[n].primary_key)
    return f" ON CONFLICT ({keys}) DO UPDATE SET {sets}"


def _executemany(conn: Connection, sql: str, params: list[tuple]) -> None:
    """SQLite: the driver's `executemany` on the connection's own cursor, in the caller's
    transaction, without SQLAlchemy's execution context (about 15 us of CPU a statement, of
    the ~20 that a one-row `exec_driver_sql` costs: a projector's batch runs ten). A driver
    error is raised as SQLAlchemy would raise it (`OperationalError` for a locked or full
    database, `IntegrityError` for a duplicate key), so callers see the same exceptions."""
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.executemany(sql, params)
    except dbapi.Error as error:
        raise DBAPIError.instance(sql, params[:1], error, dbapi.Error,
                                  dialect=conn.dialect, ismulti=True) from error
    finally:
        cursor.close()


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
            sql += on_conflict_update(table, names)
        processors = [table.c[n].type._cached_bind_processor(conn.dialect) for n in names]
        plan = _PLANS[key] = (sql, processors)
    return plan


# PostgreSQL: the most bound values one statement of `Writes` takes (the server's cap is
# 65,535); more are written table by table.
TOGETHER = 10_000
_PG_PARTS: dict[tuple[str, tuple[str, ...], bool], tuple[str, str, str, list]] = {}


class Writes:
    """The row writes of one transaction, each table's rows an INSERT or an upsert.

    On SQLite each is run at once (`insert_rows`, `upsert_rows`: SQLite is in the process, a
    statement costs no round trip). On PostgreSQL they are held and sent together by `flush`
    as one statement (data-modifying WITH queries: `WITH w1 AS (INSERT ...), w2 AS (INSERT
    ...) INSERT ...`): one round trip where a projector's batch of one write took eleven. A
    table written twice, or more than `TOGETHER` values, flushes what is held first, so no
    statement writes a table twice (the parts of one statement see the same snapshot) and a
    rebuild's large writes go as before. Nothing is read from these tables between two
    writes; call `flush` before reading them.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.together = conn.dialect.name == "postgresql"
        # (table, rows, upsert), or (None, part, params): a statement of `also`
        self._held: list[tuple[Table | None, Any, Any]] = []
        self._values = 0

    def insert(self, table: Table, rows: Sequence[dict]) -> None:
        self._add(table, rows, False)

    def upsert(self, table: Table, rows: Sequence[dict]) -> None:
        self._add(table, rows, True)

    def also(self, statement: str, params: tuple) -> None:
        """On PostgreSQL only: send a data-modifying statement (`%s` parameters, touching no
        table written here) with the held writes (a projector's batch: its tracking row's
        advance)."""
        assert self.together
        self._held.append((None, statement, params))

    def _add(self, table: Table, rows: Sequence[dict], upsert: bool) -> None:
        if not rows:
            return
        values = len(rows) * len(rows[0])
        if not self.together or values > TOGETHER:
            self.flush()
            (upsert_rows if upsert else insert_rows)(self.conn, table, rows)
            return
        if self._values + values > TOGETHER or any(t is table for t, _, _ in self._held):
            self.flush()
        self._held.append((table, rows, upsert))
        self._values += values

    def flush(self) -> None:
        held, self._held, self._values = self._held, [], 0
        if not held:
            return
        if len(held) == 1 and held[0][0] is not None:
            table, rows, upsert = held[0]
            (upsert_rows if upsert else insert_rows)(self.conn, table, rows)
            return
        parts, params = [], []
        for table, rows, upsert in held:
            if table is None:  # `also`: the statement and its parameters
                parts.append(rows)
                params.extend(upsert)
                continue
            names = tuple(rows[0])
            head, row, tail, processors = self._parts(table, names, upsert)
            pairs = list(zip(names, processors))
            for r in rows:
                params.extend(p(r[n]) if p and r[n] is not None else r[n] for n, p in pairs)
            parts.append(f"{head}{', '.join([row] * len(rows))}{tail}")
        sql = "WITH " + ", ".join(f"w{i} AS ({part})" for i, part in enumerate(parts[:-1]))
        self.conn.exec_driver_sql(f"{sql} {parts[-1]}" if len(parts) > 1 else parts[0],
                                  tuple(params))

    def _parts(self, table: Table, names: tuple[str, ...],
               upsert: bool) -> tuple[str, str, str, list]:
        key = (table.name, names, upsert)
        found = _PG_PARTS.get(key)
        if found is None:
            columns = ", ".join(f'"{n}"' for n in names)
            tail = on_conflict_update(table, names) if upsert else ""
            dialect = self.conn.dialect
            found = _PG_PARTS[key] = (
                f'INSERT INTO "{table.name}" ({columns}) VALUES ',
                "(" + ", ".join("%s" for _ in names) + ")", tail,
                [table.c[n].type._cached_bind_processor(dialect) for n in names])
        return found
