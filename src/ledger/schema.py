"""Creating the store's schema once, whoever opens a new store at the same moment.

Every table the ledger keeps is created inside `schema_transaction`: one database
transaction that first takes the store's schema lock, so

- a second process (or thread) that finds a table missing waits for the first to finish,
  then finds the table complete — indexes, unique constraints and append-only triggers
  included — and creates nothing;
- a table is never visible without its constraints (SQLite commits each DDL statement on
  its own unless a transaction is open; PostgreSQL's DDL is transactional anyway).

SQLite: `BEGIN IMMEDIATE` takes the database's write lock across processes.
PostgreSQL: a transaction-scoped advisory lock, which any role may take, so the
least-privilege application role (which creates nothing) passes through it too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from ledger.integrity.locks import advisory_key

SCHEMA_LOCK = "ledger schema"


def take_schema_lock(conn: sa.Connection) -> None:
    """Hold the schema lock until `conn`'s transaction ends (its first statement on SQLite)."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        if not conn.connection.dbapi_connection.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif dialect == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": advisory_key(SCHEMA_LOCK)})


@contextmanager
def schema_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A transaction holding the schema lock: DDL inside is serialised and all-or-nothing."""
    with engine.begin() as conn:
        take_schema_lock(conn)
        yield conn


def create_tables(engine: sa.Engine, metadata: sa.MetaData,
                  tables: list[sa.Table] | None = None) -> None:
    """Create the tables (with their indexes) that do not exist yet, under the schema lock.

    Tables are only ever seen complete, so when all exist nothing is locked or created.
    """
    wanted = list(tables if tables is not None else metadata.sorted_tables)
    if all_exist(engine, wanted):
        return
    with schema_transaction(engine) as conn:
        metadata.create_all(conn, tables=wanted, checkfirst=True)


def all_exist(engine: sa.Engine, tables: list[sa.Table]) -> bool:
    with engine.connect() as conn:
        return all(conn.dialect.has_table(conn, t.name, schema=t.schema) for t in tables)
