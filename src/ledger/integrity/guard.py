"""Append-only at the database level: triggers that refuse UPDATE, DELETE and TRUNCATE."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from ledger.integrity.locks import advisory_key

REFUSAL = "ledger events are append-only"
PG_FUNCTION = "ledger_refuse_change"


def _names(table: str) -> tuple[str, str]:
    base = table.replace(".", "_")
    return f"{base}_no_change", f"{base}_no_truncate"


def install_guard(engine: sa.Engine, table: str) -> None:
    """Create the refusing triggers on `table` unless they exist (idempotent)."""
    with engine.begin() as conn:
        install_guard_on(conn, table)


def guard_installed(conn: sa.Connection, table: str) -> bool:
    """Whether both refusing triggers exist on `table` (a read; no lock taken)."""
    rows, statement = _names(table)
    if conn.dialect.name == "sqlite":
        return conn.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)",
            (f"{rows}_update", f"{rows}_delete")).scalar() == 2
    return conn.execute(sa.text(
        "SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass(:t) "
        "AND tgname IN (:a, :b)"), {"t": table, "a": rows, "b": statement}).scalar() == 2


def install_guard_on(conn: sa.Connection, table: str) -> None:
    """install_guard inside the caller's transaction (the store's creation, see ledger.schema)."""
    rows, statement = _names(table)
    if conn.dialect.name == "sqlite":
        for op in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER IF NOT EXISTS {rows}_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")
        return
    if conn.dialect.name != "postgresql":
        raise NotImplementedError(f"no append-only guard for {conn.dialect.name}")
    # Serialise installers: concurrent CREATE FUNCTION/TRIGGER can fail on PostgreSQL.
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"),
                 {"k": advisory_key("guard:" + table)})
    present = conn.execute(sa.text(
        "SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass(:t) "
        "AND tgname IN (:a, :b)"), {"t": table, "a": rows, "b": statement}).scalar()
    if present == 2:
        return
    conn.execute(sa.text(
        f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{REFUSAL}: % refused on %', TG_OP, TG_TABLE_NAME; END $$"))
    conn.exec_driver_sql(
        f"CREATE OR REPLACE TRIGGER {rows} BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()")
    conn.exec_driver_sql(
        f"CREATE OR REPLACE TRIGGER {statement} BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()")


def remove_guard(engine: sa.Engine, table: str) -> None:
    """Drop the refusing triggers, as only the table's owner can (migrations, attack drills)."""
    rows, statement = _names(table)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for op in ("update", "delete"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {rows}_{op}")
        else:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {rows} ON {table}")
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {statement} ON {table}")


@contextmanager
def unguarded(engine: sa.Engine, table: str) -> Iterator[None]:
    """The table without its guard for the duration of the block, then guarded again."""
    remove_guard(engine, table)
    try:
        yield
    finally:
        install_guard(engine, table)
